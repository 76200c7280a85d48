"""How endpoints are named: the key of a Locust entry, what a profile key matches, and what to
suggest for a key that matches nothing.

Locust keeps an entry per (name, method): `name` is the locustfile's `name=`, or the URL as
requested (path and query) when there is none, and `method` the HTTP method or any request type a
custom client fires (`grpc`, `sql`). Locustfiles name the same request in several ways:
`name="/api/v1/projects"`, `name="GET /api/v1/projects"` (the method inside the name, as the CI/CD
guide does), no name at all (`/api/v1/projects?limit=20`). The endpoint key that every report,
baseline and history uses is the method and the name, the method written once: `GET
/api/v1/projects` in all three cases but the last, which keeps its query.

A profile key matches an entry when its glob (only `*` is special) matches one of the entry's
forms: the name, the name without the method, that without the query string, and each of those
with the method in front. So `GET /api/v1/projects`, `/api/v1/projects` and `GET /api/v1/proj*`
all match each naming style, and a key with a method never matches another method's entry.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from perfgate.core.units import glob_regex

_METHOD_WORD = re.compile(r"^[A-Z]+$")  # GET, POST ... as a key's first word
_ID_SEGMENT = re.compile(
    r"(?<=/)(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,})(?=/|$|\?)"
)
SUGGESTIONS = 3


HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"})


def request_type(method: str) -> str:
    """An HTTP method in capitals however the locustfile wrote it (`client.request("get", ...)`
    records "get"); any other request type as it is (grpc, sql)."""
    upper = method.upper()
    return upper if upper in HTTP_METHODS else method


def endpoint_key(method: str, name: str) -> str:
    """ "GET /x" for name "/x" and for name "GET /x"; the name alone when there is no method."""
    kind = request_type(method)
    return f"{kind} {without_method(method, name)}" if kind else name


def canonical_key(key: str) -> str:
    """A key as stored by perfgate before keys wrote the method once ("POST POST /x" -> "POST /x"),
    so that baselines and history from then compare with runs from now."""
    head, _, rest = key.partition(" ")
    return rest if head and rest.startswith(f"{head} ") else key


def canonical_keys(endpoints: dict[str, Any]) -> dict[str, Any]:
    """A stored `endpoints` mapping with canonical keys; a key whose canonical form is taken by
    another entry of the same run keeps its own (two Locust entries, nothing merged or lost)."""
    keyed = {}
    for key, value in endpoints.items():
        canonical = canonical_key(key)
        keyed[canonical if canonical == key or canonical not in endpoints else key] = value
    return keyed


def without_method(method: str, name: str) -> str:
    for prefix in dict.fromkeys((method, request_type(method))):
        if prefix and name.startswith(f"{prefix} "):
            return name[len(prefix) + 1 :]
    return name


def grouped(name: str) -> str:
    """The name with numeric, UUID and long hex path segments as :id, and without its query."""
    return _ID_SEGMENT.sub(":id", name.split("?", 1)[0])


def forms(method: str, name: str) -> tuple[str, ...]:
    """Every spelling of an entry that a profile key may use."""
    bare = without_method(method, name)
    path = bare.split("?", 1)[0]
    spellings = dict.fromkeys((name, bare, path))
    kind = request_type(method)
    if kind:
        spellings |= dict.fromkeys((f"{kind} {bare}", f"{kind} {path}"))
    return tuple(spellings)


@functools.lru_cache(maxsize=65536)  # (rule key, entry) pairs repeat every live-loop interval
def key_matches(key: str, method: str, name: str) -> bool:
    """Whether a profile key matches a Locust entry, whichever way the locustfile named it; an HTTP
    method in the key in any case (`get /x`), as the entry's is, and the key as written too (a
    custom client's name may begin with the word)."""
    head, space, rest = key.partition(" ")
    keys = dict.fromkeys((key, f"{request_type(head)}{space}{rest}"))
    spellings = forms(method, name)
    return any(glob_regex(written).match(spelling) for written in keys for spelling in spellings)


def mentions(key: str, literal: str) -> bool:
    """Whether a string written in a locustfile (a name= or a URL) is what `key` asks for: used to
    tell which user class a key belongs to when that class made no request."""
    if key_matches(key, "", literal):
        return True
    head, _, rest = key.partition(" ")
    return bool(rest and _method_word(head)) and key_matches(rest.strip(), "", literal)


def _method_word(head: str) -> str:
    """A key's first word as the request type it names (`get` -> `GET`), or "" when it is not one."""
    return request_type(head) if _METHOD_WORD.match(head) or head.upper() in HTTP_METHODS else ""


def suggestions(key: str, requested: dict[str, tuple[str, str]]) -> str:
    """What to write instead of a key that matches no endpoint with requests: the closest endpoint
    keys, a glob or name= for ids in URLs, a method that differs. `requested` maps endpoint keys to
    their (method, name)."""
    if not requested:
        return ""
    head, _, rest = key.partition(" ")
    head = _method_word(head) if rest else ""
    has_method = bool(head)
    wanted_path = rest.strip() if has_method else key
    hints = []
    by_group: dict[str, list[str]] = {}
    for endpoint, (method, name) in requested.items():
        by_group.setdefault(endpoint_key(method, grouped(without_method(method, name))), []).append(endpoint)
    ungrouped = [group for group in by_group if key_matches(key, "", group)]
    for group in ungrouped[:1]:
        members = by_group[group]
        path = group.partition(" ")[2] if " " in group else group
        more = f" and {len(members) - 1} more" if len(members) > 1 else ""
        hints.append(
            f"{members[0]!r}{more} are this endpoint with ids or a query in the URL: group them in the "
            f"locustfile with name={path!r}, or match them with the glob {_glob_for(key)!r}"
        )
    if has_method:
        other = sorted(
            e for e, (m, n) in requested.items() if request_type(m) != head and key_matches(wanted_path, m, n)
        )
        if other:
            hints.append(f"requests to that name were made with another method: {', '.join(map(repr, other[:3]))}")
    if not hints:
        close = _closest(key, requested)
        if close:
            hints.append(f"closest names that got requests: {', '.join(map(repr, close))}")
    if not hints:
        return ""
    return "; ".join(hints) + " (a key is the name= of the request, with or without the method; * globs)"


def _closest(key: str, requested: dict[str, tuple[str, str]]) -> list[str]:
    """Endpoint keys whose spellings are nearest to `key` (difflib's ratio over each form)."""
    scored: dict[str, float] = {}
    for endpoint, (method, name) in requested.items():
        for spelling in forms(method, name):
            ratio = difflib.SequenceMatcher(None, key, spelling).ratio()
            scored[endpoint] = max(scored.get(endpoint, 0.0), ratio)
    ranked = sorted((-ratio, endpoint) for endpoint, ratio in scored.items() if ratio >= 0.6)
    return [endpoint for _, endpoint in ranked[:SUGGESTIONS]]


def _glob_for(key: str) -> str:
    """`GET /projects/:id/builds` -> `GET /projects/*/builds*`: ids and any query string."""
    return re.sub(r":[A-Za-z_]+", "*", key).rstrip("*") + "*"
