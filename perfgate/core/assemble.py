"""The run's Result from what the live monitor saw: evaluation, measurement facts, per-endpoint
summaries and the baseline comparison. Pure (no Locust): the plugin gathers the facts of the
process and calls it at the end of a run; benchmarks/scale.py times it on synthetic stats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfgate.core import cardinality
from perfgate.core.baseline import Baseline
from perfgate.core.capacity import CapacitySearch
from perfgate.core.doubtful_latency import failed_latency_warnings, seconds_warnings
from perfgate.core.drift import drift_checks
from perfgate.core.evaluate import evaluate, exit_code_of, verdict_of
from perfgate.core.live import LiveMonitor
from perfgate.core.model import CheckResult, EndpointStats, Result, Snapshot
from perfgate.core.model import endpoint_summary as summarise
from perfgate.core.participation import Participation
from perfgate.core.profile import DEFAULT_REGRESSION, Profile
from perfgate.core.records import DuetSummary
from perfgate.core.regression import with_comparison


@dataclass
class RunFacts:
    """What only the running process knows: when, where, with which load and versions."""

    started_at: str
    duration_s: float
    host: str
    versions: dict[str, str]
    load: dict[str, Any]
    users_now: int = 0
    run_checks: list[CheckResult] = field(default_factory=list)  # exceptions, CPU, workers, interruption
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # endpoint -> top messages and counts
    participation: Participation | None = None  # which user classes ran
    live_loop: dict[str, float] = field(default_factory=dict)  # the loop's own timing (LoopTiming.summary)
    duet_host: str = ""  # a duet's baseline side (--baseline-host)
    duet_users: dict[str, int] = field(default_factory=dict)  # side -> the most users it had at once


def assemble(
    profile: Profile,
    monitor: LiveMonitor,
    final: Snapshot,
    facts: RunFacts,
    baseline: Baseline | None,
    capacity: CapacitySearch | None = None,
    paired_final: Snapshot | None = None,
) -> Result:
    """In capacity mode the capacity decides (each step was judged on the thresholds as it ended):
    the whole run's stats mix every step, and the last one broke by design. `paired_final`: a
    duet's baseline side at the end; the regression checks then compare the run with it."""
    monitor.observe(final, facts.users_now, paired=paired_final)  # the last, partial interval
    measured = monitor.measured(final)
    findings = monitor.finish(final)
    who = facts.participation
    explain = who.no_data_note if who else None
    unmeasured = None
    if monitor.measurement_start is None:
        unmeasured = (
            f"nothing was measured: the run ended before its warm-up (settings.warmup {profile.settings.warmup}) did"
        )
    judged = capacity.checks() if capacity is not None else evaluate(profile, measured, findings, explain, unmeasured)
    windows = monitor.windows()
    if profile.settings.drift and capacity is None:  # a stepped run rises by design
        confidence = profile.regression.confidence if profile.regression else DEFAULT_REGRESSION.confidence
        paired = monitor.paired.cut.windows() if monitor.paired is not None and paired_final is not None else None
        judged += drift_checks(windows, profile.settings.drift, profile.settings.drift_location, confidence, paired)
    checks = judged + facts.run_checks
    verdict = verdict_of(checks)
    warnings = list(facts.warnings) + (who.warnings() if who else [])
    compared = baseline is not None or paired_final is not None
    warnings += failed_latency_warnings(profile, judged, measured, compared)
    warnings += seconds_warnings(judged, measured)
    if unmeasured:
        warnings.append(warmup_outlasted_the_run(profile, facts))
    start = monitor.measurement_start or final
    too_many = cardinality.warning(list(measured.endpoints))
    listed = set(measured.endpoints)
    if too_many:
        warnings.append(too_many)
        named = {check.endpoint for check in checks}
        requests = {key: stats.requests for key, stats in measured.endpoints.items()}
        listed = cardinality.busiest(requests, cardinality.MAX_ENDPOINTS) | (named & listed)
    measurement = {
        "warmup": profile.settings.warmup,
        "excluded_s": round(start.at_s, 3),
        "excluded_requests": start.total.requests,
        "measured_s": round(measured.duration_s, 3),
        "measured_requests": measured.total.requests,
        "windows_s": [round(window.duration_s, 3) for window in windows],
        "live_loop": facts.live_loop,
    }
    result = Result(
        verdict=verdict,
        exit_code=exit_code_of(verdict, profile.settings.on_inconclusive),
        started_at=facts.started_at,
        duration_s=round(facts.duration_s, 3),
        host=facts.host,
        profile=profile.path,
        versions=facts.versions,
        checks=checks,
        endpoints={
            key: summarise(stats, measured.duration_s, [w.endpoints.get(key, EndpointStats("", "")) for w in windows])
            | ({"errors": facts.errors[key]} if key in facts.errors else {})
            for key, stats in measured.endpoints.items()
            if key in listed
        },
        timeline=monitor.timeline,
        warnings=warnings,
        measurement=measurement,
        aborted=findings.abort,
        total=summarise(measured.total, measured.duration_s, [w.total for w in windows]),
        load=facts.load,
        capacity=capacity.to_dict() if capacity is not None else None,
    )
    if monitor.paired is not None and paired_final is not None:
        result.duet = _duet(monitor, paired_final, facts, listed)
        if baseline is not None:
            result.warnings.append(
                f"a duet compares with its own baseline side: --baseline {baseline.path} was not read"
            )
        settings, on_inconclusive = profile.regression, profile.settings.on_inconclusive
        return with_comparison(result, settings, None, on_inconclusive, checked=True)
    if baseline is None:
        return result
    if capacity is not None:
        result.warnings.append("capacity mode: the baseline was not compared (the run mixes every step's load)")
        return result
    return with_comparison(result, profile.regression, baseline, profile.settings.on_inconclusive, checked=True)


def _duet(monitor: LiveMonitor, paired_final: Snapshot, facts: RunFacts, listed: set[str]) -> DuetSummary:
    """The baseline side's block: its endpoints (those the candidate lists, and its own others
    unless there are too many) in the same windows as the candidate's."""
    assert monitor.paired is not None
    measured = monitor.paired.measured(paired_final)
    windows = monitor.paired.cut.windows()
    many = cardinality.warning(list(measured.endpoints)) is not None
    return {
        "baseline_host": facts.duet_host,
        "users": facts.duet_users,
        "endpoints": {
            key: summarise(stats, measured.duration_s, [w.endpoints.get(key, EndpointStats("", "")) for w in windows])
            for key, stats in measured.endpoints.items()
            if key in listed or not many
        },
        "total": summarise(measured.total, measured.duration_s, [w.total for w in windows]),
    }


def warmup_outlasted_the_run(profile: Profile, facts: RunFacts) -> str:
    """Why nothing was measured when the warm-up never ended, and what to change."""
    settings, load = profile.settings, facts.load
    ran = f"the run ended after {facts.duration_s:.0f}s, before the warm-up did: nothing was measured"
    if not settings.warmup_until_spawned:
        return f"{ran} (settings.warmup {settings.warmup}): shorten the warm-up or run longer"
    users, rate = load.get("users"), load.get("spawn_rate")
    if users and rate and not load.get("stages"):
        return (
            f"{ran} (settings.warmup: spawn waits until every user is spawned, and {users} users at "
            f"{rate:g}/s take {users / rate:.0f}s): raise the spawn rate (-r) or the run time (-t), "
            "or make the warm-up a duration"
        )
    return f"{ran} (settings.warmup: spawn waits until every user is spawned, which this run never reached)"
