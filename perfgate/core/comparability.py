"""Whether two runs compare like with like: a baseline from another profile, host or load shape,
or a duet whose two sides were not driven alike (endpoints only one side called, request counts or
error rates that differ beyond chance). Each finding is a warning beside the comparison; none
changes a check."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from perfgate.core.baseline import Baseline, RunData
from perfgate.core.model import Verdict, profile_name
from perfgate.core.sampling import newcombe_difference


def _host(url: str) -> str:
    """Scheme and host, without the port for loopback (the embedded demo API picks a free port)."""
    parts = urlsplit(url)
    host = parts.hostname or url
    if host in ("127.0.0.1", "localhost", "::1"):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{parts.netloc}"


LOAD_FIELDS = {"users": "users", "spawn_rate": "spawn rate", "run_time_s": "run time (s)", "workers": "workers"}


def differences(reference: RunData, run: RunData) -> list[str]:
    """What makes two runs unlike: another profile, host or load shape (one line each, `run` first)."""
    found = []
    if reference.profile and run.profile and profile_name(reference.profile) != profile_name(run.profile):
        found.append(f"profile {reference.profile}, this run {run.profile}")
    if reference.host and run.host and _host(reference.host) != _host(run.host):
        found.append(f"ran against {reference.host}, this run against {run.host}")
    for key, label in LOAD_FIELDS.items():
        then, now = reference.load.get(key), run.load.get(key)
        if then is not None and now is not None and then != now:
            found.append(f"ran with {label} {then}, this run with {now}: load shapes differ")
    return found


DUET_RATE_RATIO = 1.25  # a side with this many times the other's requests is driven unlike it
DUET_ERROR_Z = 3.29  # two-sided 99.9% (counts as Poisson, error rates by Newcombe): beyond chance


def duet_warnings(baseline: RunData, candidate: RunData) -> list[str]:
    """What makes a duet's two sides unlike in something other than latency: endpoints that only
    one side called, very different request counts, error rates that differ (other data?)."""
    called = {
        side: {key for key, stats in run.endpoints.items() if stats["requests"]}
        for side, run in (("baseline", baseline), ("candidate", candidate))
    }
    warnings = [
        f"duet: only the {side} side called {', '.join(sorted(only))}: do both sides serve the same API?"
        for side, only in (
            ("candidate", called["candidate"] - called["baseline"]),
            ("baseline", called["baseline"] - called["candidate"]),
        )
        if only
    ]
    unlike = []
    for key in sorted(called["baseline"] & called["candidate"]):
        now, then = candidate.endpoints[key], baseline.endpoints[key]
        ratio = now["requests"] / then["requests"]
        beyond_chance = abs(now["requests"] - then["requests"]) > DUET_ERROR_Z * math.sqrt(
            now["requests"] + then["requests"]
        )
        if beyond_chance and not 1 / DUET_RATE_RATIO <= ratio <= DUET_RATE_RATIO:
            unlike.append(f"{key} ({now['requests']} vs {then['requests']})")
        _, lower, upper = newcombe_difference(
            now["failures"], now["requests"], then["failures"], then["requests"], DUET_ERROR_Z
        )
        if lower > 0 or upper < 0:
            warnings.append(
                f"duet: {key} failed {now['failures']}/{now['requests']} on the candidate and "
                f"{then['failures']}/{then['requests']} on the baseline side: different data or configuration?"
            )
    if unlike:
        warnings.append(
            f"duet: request counts (candidate vs baseline side) differ by more than x{DUET_RATE_RATIO:g}: "
            f"{', '.join(unlike)}; a slower side makes fewer requests under the same users, otherwise the sides "
            "were not driven alike (users, data, or a side that fails fast)"
        )
    return warnings


def compatibility_warnings(baseline: Baseline, current: RunData) -> list[str]:
    """A baseline from another profile, host or load shape compares unlike with unlike."""
    warnings = []
    for index, run in enumerate(baseline.runs):
        name = baseline.path if len(baseline.runs) == 1 else f"{baseline.path} run {index + 1} ({run.source})"
        for difference in differences(run, current):
            used = "used " if difference.startswith("profile") else ""
            warnings.append(f"baseline {name} {used}{difference}")
        if run.verdict and run.verdict != Verdict.PASS:
            warnings.append(f"baseline {name} did not pass (verdict {run.verdict})")
    return warnings
