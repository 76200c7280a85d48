"""Drift within one run: a p95, error rate or throughput that gets steadily worse over the
measured part of a long run (a leak, a filling queue, a table growing without an index), which a
whole-run percentile averages away and a threshold notices only once it is far gone.

The measured run is kept as up to 32 consecutive windows (live.LiveMonitor.windows); each
endpoint's metric per window is a series, judged exactly as `perfgate history` judges runs
(core.trend: Mann–Kendall for significance, Theil–Sen for the fitted change from the first window
to the last, Bonferroni over every series): drifting when the fitted change is beyond the
tolerance of settings.drift and the trend is significant. A window with too few requests for its
percentile is left out of that endpoint's series.

A flagged endpoint's message says how the other endpoints drifted in the same metric (their
median, from COMMON_MODE_ENDPOINTS endpoints on): one run has no control, so a machine that gets
busier, a pool or a heap that every endpoint shares drifts them all together, and a leak in one
endpoint's own path leaves the others flat. Both fail; the message tells where to look.
"""

from __future__ import annotations

import statistics

from perfgate.core.metrics import MIN_REQUESTS_FLOOR, metric, requests_for
from perfgate.core.model import ALL_ENDPOINTS, CheckKind, CheckResult, EndpointStats, Snapshot, Status
from perfgate.core.noise import COMMON_MODE_ENDPOINTS
from perfgate.core.profile import Location
from perfgate.core.tolerances import Tolerance
from perfgate.core.trend import MIN_RUNS, Trend, judge_all, shown_change, worse_sign

RULE = "settings.drift"


def window_value(stats: EndpointStats, duration_s: float, tolerance: Tolerance) -> float | None:
    """The metric of one window, or None when the window has too few requests for it."""
    if tolerance.kind == "rps":
        return stats.requests / duration_s if duration_s > 0 else None
    if stats.requests < MIN_REQUESTS_FLOOR:
        return None
    if tolerance.kind == "error_rate":
        return stats.error_rate
    quantile = tolerance.quantile
    return stats.percentile(quantile) if stats.requests >= requests_for(quantile, 1) else None


def series_of(windows: list[Snapshot], tolerances: tuple[Tolerance, ...]) -> dict[str, dict[str, list[float]]]:
    """Per endpoint (and ALL_ENDPOINTS for the aggregate), per metric, the values of its windows."""
    keys = sorted({key for window in windows for key in window.endpoints})
    series: dict[str, dict[str, list[float]]] = {}
    for name in [ALL_ENDPOINTS, *keys]:
        for tolerance in tolerances:
            values = []
            for window in windows:
                stats = window.total if name == ALL_ENDPOINTS else window.endpoints.get(name)
                value = window_value(stats, window.duration_s, tolerance) if stats is not None else None
                if value is not None:
                    values.append(value)
            if values:
                series.setdefault(name, {})[tolerance.metric] = values
    return series


def drift_checks(
    windows: list[Snapshot], tolerances: tuple[Tolerance, ...], location: Location, confidence: float = 0.95
) -> list[CheckResult]:
    """One check per endpoint and metric with enough windows; a run with fewer than MIN_RUNS
    windows gets one inconclusive check that says so."""
    measured = [window for window in windows if window.total.requests]
    if len(measured) < MIN_RUNS:
        message = (
            f"the measured run has {len(measured)} windows with requests; drift needs at least {MIN_RUNS}: "
            "run longer (a soak of several minutes)"
        )
        check = CheckResult(ALL_ENDPOINTS, "drift", "trend", None, Status.INCONCLUSIVE, message, RULE)
        return [_located(check, location)]
    series = series_of(measured, tolerances)
    wanted = {name: {t.metric: t for t in tolerances if t.metric in metrics} for name, metrics in series.items()}
    judged = [trend for trend in judge_all(series, wanted, confidence, unit="windows") if len(trend.values) >= MIN_RUNS]
    checks = []
    for trend in judged:
        status = Status.FAIL if trend.flagged else Status.PASS
        known = metric(trend.metric)
        check = CheckResult(
            trend.series,
            trend.metric,
            f"drift {trend.tolerance.describe()}",
            trend.values[-1],
            status,
            f"over the measured run: {trend.message}{_beside_the_others(trend, judged)}",
            f"{RULE}.{known.name if known else trend.metric}",
            change=trend.change,
        )
        checks.append(_located(check, location))
    return checks


def _beside_the_others(trend: Trend, judged: list[Trend]) -> str:
    """For a flagged endpoint: the other endpoints' median drift in the same metric, and whether it
    is beyond the tolerance too."""
    if not trend.flagged or trend.series == ALL_ENDPOINTS:
        return ""
    others = [
        other.worsening
        for other in judged
        if other.metric == trend.metric and other.series not in (ALL_ENDPOINTS, trend.series)
        if other.worsening is not None
    ]
    if len(others) + 1 < COMMON_MODE_ENDPOINTS:
        return ""
    median = statistics.median(others)
    kind = trend.tolerance.kind
    said = f"; the other {len(others)} endpoints' median drift is {shown_change(kind, worse_sign(kind) * median)}"
    if median > trend.tolerance.value:
        return f"{said}, beyond the tolerance too: a cause they share (the machine getting busier, a pool, the heap)"
    return f"{said}: this endpoint's own"


def _located(check: CheckResult, location: Location) -> CheckResult:
    check.source = str(location) if location.file else ""
    check.kind = CheckKind.DRIFT
    return check
