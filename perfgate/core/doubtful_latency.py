"""Latency checks that passed on times that may not be the endpoint's: those of failed requests,
or seconds where Locust takes milliseconds. The verdict stays the thresholds', and the result
says which passes to doubt and why.

- Failures: Locust times a failed request like any other, so an endpoint that answers every
  request with a quick 401 or 404 has a fast p95: its latency checks pass while the endpoint does
  nothing it should. An error_rate limit catches that only when one applies to the endpoint and
  the failures are enough of its scope's requests (a broken low-volume endpoint hides in a global
  error rate of 1%), and a profile may have none. (A locustfile's catch_response failure can be a
  slow, real response: not failed for that.)
- Seconds: HttpUser and FastHttpUser time their own requests, but a custom client fires
  `events.request` with a time it computed, and `time.perf_counter() - start` without `* 1000`
  reports a 200 ms call as 0.2: every latency limit then passes (projects have shipped such
  clients). Over a network every request under 1 ms is rare (a local cache can be that fast).
"""

from __future__ import annotations

from perfgate.core.metrics import Kind, kind_of
from perfgate.core.model import CheckKind, CheckResult, EndpointStats, Snapshot, Status
from perfgate.core.profile import Profile

MOSTLY_FAILED = 0.5  # a share of failed requests from which an endpoint's latency is mostly theirs
UNDER_MS = 1.0  # an endpoint whose every request was faster may have been timed in seconds
ERROR_METRICS = ("error_rate", "failures")


def failed_latency_warnings(
    profile: Profile, checks: list[CheckResult], measured: Snapshot, compared: bool
) -> list[str]:
    """One warning per endpoint whose latency passed on mostly failed requests, and one when the
    run had failures that no threshold of the profile counts and no baseline comparison (`compared`,
    whose default rules include the error rate) judges."""
    warnings = []
    for key, stats in _latency_passes(checks, measured):
        if stats.error_rate >= MOSTLY_FAILED:
            warnings.append(
                f"{key}: its latency checks passed on requests of which {stats.failures} of {stats.requests} "
                f"({stats.error_rate:.0%}) failed: they measured the failures, not the endpoint"
            )
    total = measured.total
    if total.failures and not compared and not any(rule.limit.metric in ERROR_METRICS for rule in profile.rules):
        warnings.append(
            f"{total.failures} of {total.requests} requests failed ({total.error_rate:.1%}) and the profile has no "
            'error_rate or failures limit: nothing gated them; add one, e.g. global: {error_rate: "< 1%"}'
        )
    return warnings


def seconds_warnings(checks: list[CheckResult], measured: Snapshot) -> list[str]:
    """One warning naming the endpoints whose latency checks passed and whose every request took
    under 1 ms, each with its slowest time."""
    fast = [
        f"{key} (the slowest of {stats.requests}: {stats.max_response_time:.3g} ms)"
        for key, stats in _latency_passes(checks, measured)
        if stats.max_response_time < UNDER_MS
    ]
    if not fast:
        return []
    return [
        f"latency checks passed on requests that each took under {UNDER_MS:g} ms: {', '.join(fast)}; Locust's unit "
        "is the millisecond: if a client fires events.request with seconds (time.perf_counter() - start), "
        "multiply by 1000"
    ]


def _latency_passes(checks: list[CheckResult], measured: Snapshot) -> list[tuple[str, EndpointStats]]:
    """The endpoints of the latency thresholds that passed, each once, with their measured requests."""
    passed = dict.fromkeys(
        check.endpoint
        for check in checks
        if check.kind == CheckKind.THRESHOLD and check.status == Status.PASS and kind_of(check.metric) == Kind.LATENCY
    )
    return [(key, stats) for key in passed if (stats := measured.endpoints.get(key)) is not None and stats.requests]
