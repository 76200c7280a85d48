"""Threshold evaluation: pure functions from a profile and snapshots to checks and a verdict."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from perfgate.core.limits import Limit
from perfgate.core.metrics import Metric, format_value, metric
from perfgate.core.model import (
    UNRESOLVED,
    VERDICT_EXIT_CODES,
    AbortRecord,
    CheckResult,
    EndpointStats,
    Snapshot,
    Status,
    Verdict,
)
from perfgate.core.naming import key_matches, suggestions
from perfgate.core.profile import Profile, Rule, Settings


@dataclass
class LiveFindings:
    """What only the live loop can know: stats of the last `window` seconds, sustained breaches
    ((rule path, endpoint) -> (start s, end s)), the longest breach of each `for` rule, the abort."""

    windows: dict[float, Snapshot] = field(default_factory=dict)
    sustained: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    longest: dict[tuple[str, str], float] = field(default_factory=dict)
    abort: AbortRecord | None = None
    late: dict[str, int] | None = None  # requests per endpoint in the second half of the measurement
    peak_users: int = 0


def min_requests_for(limit: Limit, settings: Settings) -> int:
    """settings.min_requests, or what the metric needs (core.metrics); counts and rps need none."""
    needs = _row(limit).needs
    return needs if not needs or settings.min_requests is None else settings.min_requests


def metric_value(stats: EndpointStats, limit: Limit, duration_s: float) -> float:
    return _row(limit).read(stats, duration_s)


def _row(limit: Limit) -> Metric:
    found = metric(limit.metric)
    assert found is not None  # a Limit is parsed from a metric of the table
    return found


def breached(rule: Rule, stats: EndpointStats, duration_s: float) -> tuple[bool, float]:
    """(breached, value) of one rule on one endpoint's stats; no requests is never a breach."""
    value = metric_value(stats, rule.limit, duration_s)
    return bool(stats.requests) and not rule.limit.holds(value), value


def targets(profile: Profile, rule: Rule, snapshot: Snapshot) -> list[EndpointStats]:
    """The stats a rule judges: the aggregate, the endpoints its key matches, or (default) the
    endpoints no key matches; only endpoints that received requests."""
    if rule.scope == "global":
        return [snapshot.total] if snapshot.total.requests else []
    requested = [stats for stats in snapshot.endpoints.values() if stats.requests > 0]
    if rule.scope == "endpoint":
        return [stats for stats in requested if rule.matches(stats.method, stats.name)]
    keyed = [r for r in profile.rules if r.scope == "endpoint"]
    return [stats for stats in requested if not any(r.matches(stats.method, stats.name) for r in keyed)]


def endpoint_label(rule: Rule, stats: EndpointStats) -> str:
    return "global" if rule.scope == "global" else stats.key


def _stats_for(rule: Rule, stats: EndpointStats, measured: Snapshot, live: LiveFindings) -> tuple[EndpointStats, float]:
    if rule.window_s is None or rule.window_s not in live.windows:
        return stats, measured.duration_s
    window = live.windows[rule.window_s]
    found = window.total if rule.scope == "global" else window.endpoints.get(stats.key)
    return found or EndpointStats(stats.method, stats.name), window.duration_s


def check(
    profile: Profile, rule: Rule, stats: EndpointStats, measured: Snapshot, live: LiveFindings | None = None
) -> CheckResult:
    live = live or LiveFindings()
    endpoint = endpoint_label(rule, stats)
    judged, duration = _stats_for(rule, stats, measured, live)
    actual = metric_value(judged, rule.limit, duration)
    shown = f"{rule.limit.metric} {format_value(rule.limit.kind, actual)}"
    scope = f" over the last {rule.window_s:g}s" if rule.window_s is not None else ""
    held = rule.limit.holds(actual)
    status, message = ("pass" if held else "fail"), f"{shown}{scope} {'within' if held else 'breaks'} the limit"
    key = (rule.path, endpoint)
    if rule.for_s is not None and live.longest:
        longest = live.longest.get(key, 0.0)
        if key in live.sustained:
            start, end = live.sustained[key]
            status = Status.FAIL
            message = f"breached continuously from {start:.0f}s to {end:.0f}s (for: {rule.for_s:g}s)"
        else:
            status = Status.PASS
            message = f"{shown}; the longest breach lasted {longest:.0f}s, less than for: {rule.for_s:g}s, limit"
    needed = min_requests_for(rule.limit, profile.settings)
    if status == Status.PASS and judged.requests < needed:
        status = Status.INCONCLUSIVE
        message = too_few(rule, judged, needed, duration, live)
    if live.abort is not None and (live.abort.rule, live.abort.endpoint) == key:
        status, message = Status.FAIL, f"aborted the run at {live.abort.at_s:.1f}s: {live.abort.message}"
    if message.endswith("limit"):
        message += f" {rule.limit.describe()}"
    return CheckResult(
        endpoint=endpoint,
        metric=rule.limit.metric,
        limit=rule.limit.describe(),
        actual=actual,
        status=status,
        message=message,
        rule=rule.path,
        source=str(rule.location),
    )


def too_few(rule: Rule, judged: EndpointStats, needed: int, duration_s: float, live: LiveFindings) -> str:
    """How many requests a check got, how many it needs, and how to get them: a longer run, more
    users, or, for a request made once per user (a login in on_start), only more users."""
    scope = f" over the last {rule.window_s:g}s" if rule.window_s is not None else " after warm-up"
    got = (
        f"only {judged.requests} requests{scope}: {rule.limit.metric} needs at least {needed} to mean something "
        "(settings.min_requests)"
    )
    stopped = live.late is not None and live.late.get(judged.key, 1) == 0 and rule.window_s is None
    if stopped and judged.requests and live.peak_users:
        users = math.ceil(needed * live.peak_users / judged.requests)
        return (
            f"{got}; none came in the second half of the run (one per user, as a login in on_start makes), so a "
            f"longer run adds none: run with about {users} users (now {live.peak_users}), or gate it on fewer "
            "requests"
        )
    rate = judged.requests / duration_s if duration_s > 0 else 0.0
    if rate > 0:
        return f"{got}; at its {rate:.2f}/s, {needed / rate:.0f}s of measurement would get them, or run more users"
    return f"{got}; run longer or with more users"


def unmatched(key: str, measured: Snapshot, explain: Callable[[str], str] | None = None) -> str:
    """Why an endpoint key got no check: its endpoints had requests only in the warm-up, the run's
    own reason (`explain`: a user class that got no user), or what to write instead."""
    empty = [k for k, s in measured.endpoints.items() if not s.requests and key_matches(key, s.method, s.name)]
    if empty:
        shown = ", ".join(map(repr, empty[:3]))
        return f"{key!r} matches {shown}, which got requests only during the warm-up (settings.warmup), none after"
    reason = explain(key) if explain else ""
    if not reason:
        requested = {k: (s.method, s.name) for k, s in measured.endpoints.items() if s.requests}
        reason = suggestions(key, requested)
    return f"no endpoint that received requests matches {key!r}" + (f"; {reason}" if reason else "")


def no_data(rule: Rule, endpoint: str, why: str) -> CheckResult:
    return CheckResult(
        endpoint=endpoint,
        metric=rule.limit.metric,
        limit=rule.limit.describe(),
        actual=None,
        status=Status.NO_DATA,
        message=why,
        rule=rule.path,
        source=str(rule.location),
    )


def evaluate(
    profile: Profile,
    measured: Snapshot,
    live: LiveFindings | None = None,
    explain: Callable[[str], str] | None = None,
    unmeasured: str | None = None,
) -> list[CheckResult]:
    """One check per (rule, matching endpoint); a rule that matches no requested endpoint is no_data,
    and `explain` may say why (the run's own knowledge of who requests it), or `unmeasured` why
    the measurement holds nothing at all (a warm-up that outlasted the run)."""
    anything = measured.total.requests > 0 or any(s.requests for s in measured.endpoints.values())
    checks: list[CheckResult] = []
    for rule in profile.rules:
        matched = targets(profile, rule, measured)
        checks += [check(profile, rule, stats, measured, live) for stats in matched]
        if matched:
            continue
        if unmeasured:
            checks.append(no_data(rule, rule.key, unmeasured))
        elif rule.scope == "endpoint":
            checks.append(no_data(rule, rule.key, unmatched(rule.key, measured, explain)))
        elif not anything:
            checks.append(no_data(rule, rule.key, "no request was made during the measurement"))
    return checks


def verdict_of(checks: list[CheckResult]) -> Verdict:
    """fail beats regression beats inconclusive (DESIGN.md exit codes)."""
    statuses = {c.status for c in checks}
    if Status.FAIL in statuses:
        return Verdict.FAIL
    if Status.REGRESSION in statuses:
        return Verdict.REGRESSION
    if statuses & set(UNRESOLVED):
        return Verdict.INCONCLUSIVE
    return Verdict.PASS


def exit_code_of(verdict: Verdict, on_inconclusive: str = Verdict.INCONCLUSIVE) -> int:
    """settings.on_inconclusive lets a team treat an inconclusive run as a pass or a failure."""
    if verdict == Verdict.INCONCLUSIVE and on_inconclusive != Verdict.INCONCLUSIVE:
        return VERDICT_EXIT_CODES[Verdict(on_inconclusive)]
    return VERDICT_EXIT_CODES[verdict]


def settled_exit_code(verdict_code: int, set_by_another: int | None) -> int:
    """The process's exit code, from the verdict's and the one another quitting listener set before
    perfgate's (the locustfile's own check, as Locust's docs show it, or a plugin's): the verdict's,
    except that a pass keeps the other's failing code. A gate never turns into a pass a failure
    that it did not judge."""
    return set_by_another if verdict_code == 0 and set_by_another else verdict_code
