"""Latency checks that passed on requests that mostly failed.

Locust times a failed request like any other, so an endpoint that answers every request with a
quick 401 or 404 has a fast p95: its latency checks pass while the endpoint does nothing it should.
An error_rate limit catches that only when one applies to the endpoint and the failures are enough
of its scope's requests (a broken low-volume endpoint hides in a global error rate of 1%), and a
profile may have none. The verdict stays the thresholds' (a locustfile's catch_response failure
can be a slow, real response), but the result says which passes were measured on failures.
"""

from __future__ import annotations

from perfgate.core.metrics import Kind, kind_of
from perfgate.core.model import CheckKind, CheckResult, Snapshot, Status
from perfgate.core.profile import Profile

MOSTLY_FAILED = 0.5  # a share of failed requests from which an endpoint's latency is mostly theirs
ERROR_METRICS = ("error_rate", "failures")


def failed_latency_warnings(
    profile: Profile, checks: list[CheckResult], measured: Snapshot, compared: bool
) -> list[str]:
    """One warning per endpoint whose latency passed on mostly failed requests, and one when the
    run had failures that no threshold of the profile counts and no baseline comparison (`compared`,
    whose default rules include the error rate) judges."""
    warnings = []
    passed = dict.fromkeys(
        check.endpoint
        for check in checks
        if check.kind == CheckKind.THRESHOLD and check.status == Status.PASS and kind_of(check.metric) == Kind.LATENCY
    )
    for key in passed:
        stats = measured.endpoints.get(key)
        if stats is not None and stats.requests and stats.error_rate >= MOSTLY_FAILED:
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
