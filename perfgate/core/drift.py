"""Drift within one run: a p95, error rate or throughput that gets steadily worse over the
measured part of a long run (a leak, a filling queue, a table growing without an index), which a
whole-run percentile averages away and a threshold notices only once it is far gone.

The measured run is kept as up to 32 consecutive windows (live.LiveMonitor.windows); each
endpoint's metric per window is a series, judged exactly as `perfgate history` judges runs
(core.trend: Mann–Kendall for significance, Theil–Sen for the fitted change from the first window
to the last, Bonferroni over every series): drifting when the fitted change is beyond the
tolerance of settings.drift and the trend is significant. A window with too few requests for its
percentile is left out of that endpoint's series.

One run has no control: a machine that gets busier drifts every endpoint as a leak would. So a
flagged endpoint's message says how the other endpoints drifted in the same metric (their median,
from COMMON_MODE_ENDPOINTS endpoints on): a cause they share (the machine, a pool, the heap) drifts
them all together, a leak in one endpoint's own path leaves the others flat. Both fail; the
message tells where to look.

A duet has the control: its baseline side ran on the same machine in the same windows, so the
series judged is the candidate's value minus the baseline side's per window, in units of the
baseline side's median over the run (+150% reads: the candidate's excess grew by 1.5 times the
baseline's typical p95; error rates: the difference in points). What the machine did to both
sides cancels out in expectation. A difference, not a ratio: a leak that waits (a lock, a pool, a
slower query elsewhere) adds time that a busier machine does not scale, and a ratio of the two
sides shrinks as the machine adds its own delay to both (a duet with a leak of +175 ms and a CPU
ramp beside it: ratio +30%, not significant; the difference grew steadily).
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
Series = dict[str, dict[str, list[float]]]  # endpoint (or ALL_ENDPOINTS) -> metric -> a value per window


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


def series_of(windows: list[Snapshot], tolerances: tuple[Tolerance, ...]) -> Series:
    """Per endpoint (and ALL_ENDPOINTS for the aggregate), per metric, the values of its windows."""
    series: Series = {}
    for name in _names(windows):
        for tolerance in tolerances:
            values = [value for value in _per_window(windows, name, tolerance) if value is not None]
            if values:
                series.setdefault(name, {})[tolerance.metric] = values
    return series


def relative_series(windows: list[Snapshot], paired: list[Snapshot], tolerances: tuple[Tolerance, ...]) -> Series:
    """A duet's: per window in which both sides have the metric, the candidate's minus the baseline
    side's, divided by the baseline side's median over those windows (an error rate's difference
    as it is, in points)."""
    series: Series = {}
    for name in _names(windows):
        for tolerance in tolerances:
            sides = zip(_per_window(windows, name, tolerance), _per_window(paired, name, tolerance), strict=True)
            both = [(own, base) for own, base in sides if own is not None and base is not None]
            if not both:
                continue
            scale = 1.0 if tolerance.kind == "error_rate" else statistics.median(base for _, base in both)
            if scale > 0:  # a baseline side at 0 ms or 0 requests/s throughout has no scale
                series.setdefault(name, {})[tolerance.metric] = [(own - base) / scale for own, base in both]
    return series


def drift_checks(
    windows: list[Snapshot],
    tolerances: tuple[Tolerance, ...],
    location: Location,
    confidence: float = 0.95,
    paired: list[Snapshot] | None = None,
) -> list[CheckResult]:
    """One check per endpoint and metric with enough windows; a run with fewer than MIN_RUNS
    windows gets one inconclusive check that says so. `paired`: a duet's baseline side, cut into
    the same windows; the candidate's drift is then judged against it."""
    both = list(zip(windows, windows if paired is None else paired, strict=True))
    measured = [(own, base) for own, base in both if own.total.requests and base.total.requests]
    if len(measured) < MIN_RUNS:
        message = (
            f"the measured run has {len(measured)} windows with requests; drift needs at least {MIN_RUNS}: "
            "run longer (a soak of several minutes)"
        )
        check = CheckResult(ALL_ENDPOINTS, "drift", "trend", None, Status.INCONCLUSIVE, message, RULE)
        return [_located(check, location)]
    own = [window for window, _ in measured]
    values = series_of(own, tolerances)  # a check's actual is the candidate's own value in its last window
    series = values if paired is None else relative_series(own, [base for _, base in measured], tolerances)
    wanted = {name: {t.metric: t for t in tolerances if t.metric in metrics} for name, metrics in series.items()}
    judged = judge_all(series, wanted, confidence, unit="windows", linear=paired is not None)
    judged = [trend for trend in judged if len(trend.values) >= MIN_RUNS]
    against = ", the candidate's excess over the duet's baseline side in its median" if paired is not None else ""
    checks = []
    for trend in judged:
        status = Status.FAIL if trend.flagged else Status.PASS
        known = metric(trend.metric)
        check = CheckResult(
            trend.series,
            trend.metric,
            f"drift {trend.tolerance.describe()}",
            values[trend.series][trend.metric][-1],
            status,
            f"over the measured run{against}: {trend.message}{_beside_the_others(trend, judged, paired is not None)}",
            f"{RULE}.{known.name if known else trend.metric}",
            change=trend.change,
        )
        checks.append(_located(check, location))
    return checks


def _names(windows: list[Snapshot]) -> list[str]:
    return [ALL_ENDPOINTS, *sorted({key for window in windows for key in window.endpoints})]


def _per_window(windows: list[Snapshot], name: str, tolerance: Tolerance) -> list[float | None]:
    """The metric of `name` in each window, None where it had too few requests (or none)."""
    values = []
    for window in windows:
        stats = window.total if name == ALL_ENDPOINTS else window.endpoints.get(name)
        values.append(window_value(stats, window.duration_s, tolerance) if stats is not None else None)
    return values


def _beside_the_others(trend: Trend, judged: list[Trend], duet: bool) -> str:
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
    if median <= trend.tolerance.value:
        return f"{said}: this endpoint's own"
    shared = (
        "a pool, the heap: the machine was the baseline side's too"
        if duet
        else "the machine getting busier, a pool, the heap"
    )
    return f"{said}, beyond the tolerance too: a cause they share ({shared})"


def _located(check: CheckResult, location: Location) -> CheckResult:
    check.source = str(location) if location.file else ""
    check.kind = CheckKind.DRIFT
    return check
