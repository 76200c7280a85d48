"""Threshold evaluation: pure functions from a profile and a snapshot to checks and a verdict."""

from __future__ import annotations

from perfgate.limits import Limit, format_value
from perfgate.model import VERDICT_EXIT_CODES, CheckResult, EndpointStats, Snapshot
from perfgate.profile import Profile, Rule


def metric_value(stats: EndpointStats, limit: Limit, duration_s: float) -> float:
    quantile = limit.quantile
    if quantile is not None:
        return stats.percentile(quantile)
    values = {
        "avg": stats.avg,
        "min": stats.min_response_time or 0.0,
        "max": stats.max_response_time,
        "error_rate": stats.error_rate,
        "failures": float(stats.failures),
        "requests": float(stats.requests),
        "rps": stats.requests / duration_s if duration_s > 0 else 0.0,
    }
    return values[limit.metric]


def check(rule: Rule, endpoint: str, stats: EndpointStats, duration_s: float) -> CheckResult:
    actual = metric_value(stats, rule.limit, duration_s)
    held = rule.limit.holds(actual)
    shown = format_value(rule.limit.kind, actual)
    verb = "within" if held else "breaks"
    message = f"{rule.limit.metric} {shown} {verb} the limit {rule.limit.describe()}"
    return CheckResult(
        endpoint=endpoint,
        metric=rule.limit.metric,
        limit=rule.limit.describe(),
        actual=actual,
        status="pass" if held else "fail",
        message=message,
        rule=rule.path,
        source=str(rule.location),
    )


def no_data(rule: Rule, endpoint: str, why: str) -> CheckResult:
    return CheckResult(
        endpoint=endpoint,
        metric=rule.limit.metric,
        limit=rule.limit.describe(),
        actual=None,
        status="no_data",
        message=why,
        rule=rule.path,
        source=str(rule.location),
    )


def evaluate(profile: Profile, snapshot: Snapshot) -> list[CheckResult]:
    """One check per (rule, matching endpoint); a rule that matches no requested endpoint is no_data."""
    requested = [stats for stats in snapshot.endpoints.values() if stats.requests > 0]
    endpoint_rules = [rule for rule in profile.rules if rule.scope == "endpoint"]
    checks: list[CheckResult] = []
    for rule in profile.rules:
        if rule.scope == "global":
            if snapshot.total.requests:
                checks.append(check(rule, "global", snapshot.total, snapshot.duration_s))
            else:
                checks.append(no_data(rule, "global", "no request was made during the measurement"))
            continue
        if rule.scope == "endpoint":
            matched = [stats for stats in requested if rule.matches(stats.method, stats.name)]
        else:
            matched = [s for s in requested if not any(r.matches(s.method, s.name) for r in endpoint_rules)]
        checks += [check(rule, stats.key, stats, snapshot.duration_s) for stats in matched]
        if rule.scope == "endpoint" and not matched:
            checks.append(no_data(rule, rule.key, f"no endpoint that received requests matches {rule.key!r}"))
        elif not requested:
            checks.append(no_data(rule, rule.key, "no endpoint received requests"))
    return checks


def verdict_of(checks: list[CheckResult]) -> str:
    """fail beats regression beats inconclusive (DESIGN.md exit codes)."""
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "fail"
    if "regression" in statuses:
        return "regression"
    if statuses & {"no_data", "inconclusive"}:
        return "inconclusive"
    return "pass"


def exit_code_of(verdict: str) -> int:
    return VERDICT_EXIT_CODES[verdict]
