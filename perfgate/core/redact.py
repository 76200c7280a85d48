"""Secrets out of request names, error messages and hosts, before Locust or any report keeps them.

A locustfile that requests `/export?access_token=...` without `name=` makes the URL the entry
name: Locust would print it in its tables, CSV and web UI, and perfgate in every report. The
plugin therefore redacts at the source (Locust's RequestStats, on every process) and the host
before a report names it. Redacted: the user:password of a URL, the value of any query or form
parameter whose name says it is a secret, and bearer/basic credentials in a message.
"""

from __future__ import annotations

import re

from perfgate.core.inert import inert

MASK = "***"
# a parameter is secret when one of the words of its name is (access_token, X-Amz-Signature, apiKey)
SECRET_WORDS = frozenset(
    [
        "password",
        "passwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "key",
        "apikey",
        "auth",
        "authorization",
        "session",
        "sessionid",
        "sid",
        "signature",
        "sig",
        "credential",
        "credentials",
        "cookie",
        "otp",
        "jwt",
    ]
)
SECRET_NAMES = frozenset({"code"})  # an OAuth authorization code; status_code is not secret
# ...but FastHttpUser's errors read LocustBadStatusCode(code=401): an HTTP status is not a secret
_HTTP_STATUS = re.compile(r"[1-5][0-9][0-9]")
_PARAMETER = re.compile(r"(?P<name>(?<![A-Za-z0-9_.-])[A-Za-z][A-Za-z0-9_.-]*)=(?P<value>[^&#\s'\"<>;,)]+)")
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_USERINFO = re.compile(r"(?i)(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/@\s'\"]+)@")
_SCHEME_CREDENTIALS = re.compile(r"(?i)\b(?P<scheme>bearer|basic)\s+(?P<value>[A-Za-z0-9._~+/=-]{8,})")
_HEADER = re.compile(
    r"(?i)(?P<name>authorization|cookie|set-cookie|x-api-key)(?P<sep>['\"]?\s*[:=]\s*['\"]?)(?P<value>[^'\"\n,}]+)"
)


def redact(text: str) -> str:
    """`text` with every secret it shows replaced by ***."""
    if not text or not _may_hold_secret(text):
        return text
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _HEADER.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
    text = _SCHEME_CREDENTIALS.sub(lambda m: f"{m['scheme']} {MASK}", text)
    return _PARAMETER.sub(lambda m: f"{m['name']}={MASK}" if _secret_parameter(m["name"], m["value"]) else m[0], text)


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_NAMES or any(word.lower() in SECRET_WORDS for word in _WORDS.findall(name))


def _secret_parameter(name: str, value: str) -> bool:
    return is_secret(name) and not (name.lower() in SECRET_NAMES and _HTTP_STATUS.fullmatch(value))


def _may_hold_secret(text: str) -> bool:
    """A cheap test first: most request names hold no '=', '@' or credential scheme at all."""
    return "=" in text or "@" in text or ":" in text or " " in text


class RedactedNames(dict[str, str]):
    """Each request name as Locust may keep it (secrets redacted, control characters made inert:
    core.inert), remembered: Locust logs the same few names millions
    of times (a dict lookup costs a third of a cached function call on the per-request path).
    Emptied when it grows past MAX (ids not grouped into names), so that it stays bounded."""

    MAX = 65_536

    def __missing__(self, name: str) -> str:
        if len(self) >= self.MAX:
            self.clear()
        clean = self[name] = redact(inert(name))
        return clean
