"""Regression detection against a baseline: pure functions from two runs' histograms to checks.

What was chosen, and why (docs/design/statistics.md):

- Latency: compare log ratios x = ln q_current − ln q_baseline of each endpoint's quantile (run-to-run
  noise is multiplicative). The baseline quantile is read from the pooled histogram of its runs, the
  same Locust estimator on both sides.
- Within-run uncertainty: the exact bootstrap variance of ln q from the histogram (sampling.py, Beta
  order statistics: deterministic, so `perfgate compare` re-judges identically), widened by the
  batch-means variance inflation of the per-window histograms when a run stored ≥ 8 windows
  (queueing makes neighbouring requests alike and an i.i.d. bootstrap too narrow).
- Between-run noise: measured when the baseline merges ≥ 3 runs (least-squares additive fit of ln q
  over endpoint × run; the endpoint noise is what the residuals hold beyond each run's sampling
  variance, the run noise is the spread of the run effects; medians were tried and tie on
  millisecond buckets, reporting 0% noise), otherwise assumed (regression.noise, default 3% per
  endpoint and 20% per run: benchmarks/quality.py measured 19-24% between runs on a 2-core machine,
  and the research's 5% made the global-shift check flag 19% of unchanged runs) and named as
  assumed in every check.
- A slow runner slows every endpoint: with ≥ 4 comparable endpoints the median log ratio g is the
  common shift, each endpoint is judged on d = x − g, and g gets its own "global shift" check
  against regression.global_shift (+20%). The median's variance is π/2·H²/K with H the harmonic
  mean of the endpoints' SDs (the asymptotic variance of a median of unequal normals), so that one
  endpoint with few requests does not widen every other endpoint's check. Fewer endpoints: g = 0
  and the run noise is added instead.
- A check is a regression only when the change exceeds its tolerance AND is significant at the
  family-wise confidence (Bonferroni over every check of the run, one-sided; Student's t when the
  noise was measured from few runs) AND, for latency, the absolute change is at least min_delta
  (default max(5 ms, 2 histogram buckets)): the magnitude-plus-significance rule of Perfherder and
  Otava. Bonferroni rather than Holm: each check then has a threshold of its own that the table can
  show, and Holm's gain is small when almost every hypothesis is true (unchanged endpoints).
- Inconclusive, not pass, when the run cannot resolve the tolerance: too few requests on a side
  (10 beyond the quantile: p95 200, p99 1000; 30 for p50) or a minimum detectable change
  exp(z₀.₉₅·SD) − 1 above the tolerance. The message says by how much and what to do.
- Error rates: Newcombe's hybrid score interval of the difference (no normal approximation at 0
  failures); throughput: ln rps with batch-means variance over windows and the run noise, since in a
  closed model every endpoint's rate falls when any endpoint slows down.
- Reported per check: baseline, current, change, adjusted change, its 90% interval, the minimum
  detectable change and the noise source.
- A duet (`paired`): the baseline is the other side of the same run in the same windows; the
  variance is the batch means of the per-window difference of the two sides' linearized quantile
  errors (sampling.paired_log_variance), with no assumed noise and no common shift taken out: in
  a duet a slowdown of every endpoint is the candidate's own (docs/duet.md).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace
from typing import Any

from perfgate.core.baseline import Baseline, RunData, duet_baseline, pooled, run_data
from perfgate.core.buckets import bucket_width_ms
from perfgate.core.comparability import compatibility_warnings, duet_warnings
from perfgate.core.evaluate import exit_code_of, verdict_of
from perfgate.core.metrics import requests_for
from perfgate.core.model import (
    ALL_ENDPOINTS,
    CheckKind,
    CheckResult,
    EndpointStats,
    Result,
    Status,
)
from perfgate.core.profile import DEFAULT_REGRESSION, RegressionRule, RegressionSettings
from perfgate.core.records import ComparisonSummary
from perfgate.core.sampling import (
    LOG_FLOOR_MS,
    additive_fit,
    log_ms,
    newcombe_difference,
    paired_log_variance,
    paired_rate_log_variance,
    quantile_log_variance,
    rate_log_variance,
    student_quantile,
    variance_inflation,
)
from perfgate.core.tolerances import Tolerance

GLOBAL = "global"
COMMON_MODE_ENDPOINTS = 4
MEASURED_NOISE_RUNS = 3
INTERVAL_CONFIDENCE = 0.90
PAIRED_NOISE = "paired: measured within the run, both sides over the same windows (a duet)"
ADVISED_BEYOND_QUANTILE = 10  # requests above a quantile for ±10-15% precision (research §4.4)


def requests_needed(quantile: float) -> int:
    """Below this a quantile is in effect the maximum and is not compared at all (as for thresholds)."""
    return requests_for(quantile)


def requests_advised(quantile: float) -> int:
    """What a comparison at a 20% tolerance usually needs per side: p95 200, p99 1000."""
    return requests_for(quantile, ADVISED_BEYOND_QUANTILE)


@dataclass(frozen=True)
class Noise:
    runs: int  # baseline runs it was measured from; 0 when assumed
    endpoint: float  # SD of ln(metric) between runs, beyond sampling
    run: float  # SD of the shift shared by every endpoint of a run
    df: float = math.inf  # of the endpoint noise
    run_df: float = math.inf  # of the run noise: one value per baseline run
    paired: bool = False  # a duet: no between-run noise, the pairing measures what is left

    def describe(self) -> str:
        if self.paired:
            return PAIRED_NOISE
        figures = f"endpoint {self.endpoint:.1%}, run {self.run:.1%}"
        if self.runs:
            return f"measured from {self.runs} baseline runs: {figures}"
        return f"assumed (the baseline has fewer than {MEASURED_NOISE_RUNS} runs): {figures}"


@dataclass
class Candidate:
    """One comparison before the family-wise decision."""

    rule: RegressionRule | None  # None: the global shift
    endpoint: str
    tolerance: Tolerance
    baseline: float | None  # None for the global shift, a ratio without values of its own
    current: float | None
    log_change: float = 0.0  # latency and rps
    adjusted: float = 0.0
    sd: float = 0.0
    df: float = math.inf
    noise: str = ""
    min_delta_ms: float = 0.0
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)  # error_rate: failures/requests now, then
    sizes: tuple[int, int] = (0, 0)  # requests now, in the baseline


@dataclass
class Comparison:
    checks: list[CheckResult] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    shifts: dict[str, float] = field(default_factory=dict)
    noise: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # metric -> "endpoint (why)"

    def summary(self, baseline: Baseline, settings: RegressionSettings) -> ComparisonSummary:
        return {
            "baseline": baseline.path,
            "baseline_runs": len(baseline.runs),
            "rules": settings.source or "built-in defaults (the profile has no regression: block)",
            "confidence": settings.confidence,
            "checks": sum(1 for c in self.checks if c.kind == CheckKind.REGRESSION),
            "global_shift": {metric: math.expm1(g) for metric, g in self.shifts.items()},
            "noise": self.noise,
            "new_endpoints": self.new,
            "gone_endpoints": self.gone,
            "not_judged": self.skipped,
            "warnings": self.warnings,
        }


@dataclass
class Sides:
    """The two runs being compared and the baseline's runs."""

    current: RunData
    runs: list[RunData]
    paired: bool = False  # a duet: runs[0] is the baseline side of the same run, in the same windows
    # pooled stats per (side, key): every rule reads them, and pooling re-parses the histograms
    _pooled: dict[tuple[str, str], EndpointStats] = field(default_factory=dict)

    def keys(self) -> set[str]:
        now = {k for k, s in self.current.endpoints.items() if s["requests"]}
        before = {k for run in self.runs for k, s in run.endpoints.items() if s["requests"]}
        return now & before

    def current_stats(self, key: str) -> EndpointStats:
        if ("current", key) not in self._pooled:
            self._pooled["current", key] = _total(self.current) if key == GLOBAL else pooled([self.current], key)
        return self._pooled["current", key]

    def baseline_stats(self, key: str) -> EndpointStats:
        if ("baseline", key) not in self._pooled:
            if key == GLOBAL:
                stats = EndpointStats.summed([_total(run) for run in self.runs], GLOBAL)
            else:
                stats = pooled(self.runs, key)
            self._pooled["baseline", key] = stats
        return self._pooled["baseline", key]

    def windows(self, key: str) -> tuple[list[float], dict[str, list[Any]]]:
        return self._windows_of(self.current, key)

    def baseline_windows(self, key: str) -> tuple[list[float], dict[str, list[Any]]]:
        if len(self.runs) != 1:
            return [], {"requests": [], "failures": [], "histograms": []}
        return self._windows_of(self.runs[0], key)

    def _windows_of(self, run: RunData, key: str) -> tuple[list[float], dict[str, list[Any]]]:
        """An endpoint's windows; the aggregate's only in a duet (a stored run's total may lack them)."""
        if key == GLOBAL and not self.paired:
            return [], {"requests": [], "failures": [], "histograms": []}
        return run.windows_s, run.windows(None if key == GLOBAL else key)


def _total(run: RunData) -> EndpointStats:
    if run.total.get("histogram") is not None:
        return pooled([RunData(run.source, {GLOBAL: run.total})], GLOBAL)
    return EndpointStats.summed([pooled([run], key) for key in run.endpoints], GLOBAL)


# --- between-run noise ----------------------------------------------------------------------


def measured_noise(table: dict[str, list[float]], sampling: list[float], runs: int) -> Noise:
    """Noise from N ≥ 3 baseline runs: additive fit of ln(metric) over endpoint × run.

    The endpoint noise is the residual variance beyond the mean sampling variance of one run's
    estimate; the run noise is the spread of the run effects (it still holds 1/rows of the residual
    variance: erring wide). With fewer than 4 endpoints run effects cannot be told apart from
    endpoint noise and stay in it."""
    rows = len(table)
    if rows >= COMMON_MODE_ENDPOINTS:
        residuals, effects = additive_fit(table)
        run_sd, df = statistics.stdev(effects), (rows - 1) * (runs - 1)
    else:
        residuals = {key: [v - statistics.fmean(values) for v in values] for key, values in table.items()}
        run_sd, df = 0.0, rows * (runs - 1)
    spread = sum(r * r for values in residuals.values() for r in values) / df
    endpoint_sd = math.sqrt(max(0.0, spread - statistics.fmean(sampling)))
    return Noise(runs, endpoint_sd, run_sd, float(df), float(runs - 1))


def _latency_noise(sides: Sides, quantile: float, settings: RegressionSettings) -> Noise:
    runs = sides.runs
    if sides.paired:
        return Noise(0, 0.0, 0.0, paired=True)
    assumed = Noise(0, settings.endpoint_noise, settings.run_noise)
    if len(runs) < MEASURED_NOISE_RUNS:
        return assumed
    needed = requests_needed(quantile)
    table: dict[str, list[float]] = {}
    sampling: list[float] = []
    for key in sorted(sides.keys()):
        stats = [pooled([run], key) for run in runs]
        if all(s.requests >= needed for s in stats):
            table[key] = [log_ms(s.percentile(quantile)) for s in stats]
            sampling += [quantile_log_variance(s.histogram, quantile) for s in stats]
    return measured_noise(table, sampling, len(runs)) if table else assumed


def _rate_noise(sides: Sides, settings: RegressionSettings) -> Noise:
    runs = sides.runs
    if sides.paired:
        return Noise(0, 0.0, 0.0, paired=True)
    assumed = Noise(0, settings.endpoint_noise, settings.run_noise)
    if len(runs) < MEASURED_NOISE_RUNS:
        return assumed
    table: dict[str, list[float]] = {}
    sampling: list[float] = []
    for key in sorted(sides.keys()):
        entries = [run.endpoints.get(key) or {} for run in runs]
        if all(e.get("requests") and e.get("rps") for e in entries):
            table[key] = [math.log(e["rps"]) for e in entries]
            sampling += [1.0 / e["requests"] for e in entries]
    return measured_noise(table, sampling, len(runs)) if table else assumed


# --- estimates ------------------------------------------------------------------------------


def within_run_variance(
    stats: EndpointStats, windowed: tuple[list[float], dict[str, list[Any]]], quantile: float
) -> float:
    """Variance of ln(quantile) of one side: the exact bootstrap, widened by the batch means of the
    side's windows when it stored them (`windowed`: RunData.windows_s and RunData.windows(key))."""
    durations, windows = windowed
    inflation = variance_inflation(windows["histograms"], stats.percentile(quantile)) if durations else 1.0
    return quantile_log_variance(stats.histogram, quantile) * inflation


def _latency_variance(
    sides: Sides, key: str, quantile: float, now: EndpointStats, before: EndpointStats
) -> tuple[float, float]:
    """(variance, degrees of freedom) of the log ratio: the sides' own variances, or in a duet
    the pairing over windows (inf degrees of freedom: the noise term's decide)."""
    windowed_now, windowed_before = sides.windows(key), sides.baseline_windows(key)
    if sides.paired:
        return paired_log_variance(
            (windowed_now[1]["histograms"], windowed_before[1]["histograms"]),
            (now.percentile(quantile), before.percentile(quantile)),
            (quantile_log_variance(now.histogram, quantile), quantile_log_variance(before.histogram, quantile)),
        )
    variance = within_run_variance(now, windowed_now, quantile) + within_run_variance(before, windowed_before, quantile)
    return variance, math.inf


@dataclass
class LatencyFindings:
    noise: Noise
    shift: float | None = None  # None when fewer than 4 endpoints are comparable
    candidates: list[Candidate] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)  # inconclusive for too few requests
    skipped: list[str] = field(default_factory=list)  # default-rule endpoints with too few requests


def _latency_candidates(
    sides: Sides, metric: str, targets: list[tuple[RegressionRule, str]], settings: RegressionSettings
) -> LatencyFindings:
    """An explicit rule on an endpoint with too few requests is inconclusive; the `default` rule
    skips such endpoints (rarely called ones: token endpoints, logins) and says so, and is
    inconclusive only when it could compare none."""
    quantile = targets[0][0].tolerance.quantile
    needed = requests_needed(quantile)
    noise = _latency_noise(sides, quantile, settings)
    factor = 1 + 1 / len(sides.runs)
    estimates: dict[str, tuple[float, float, float]] = {}  # key -> log ratio, its variance and df
    for key in sorted(sides.keys() | {GLOBAL}):
        now, before = sides.current_stats(key), sides.baseline_stats(key)
        if now.requests >= needed and before.requests >= needed:
            x = log_ms(now.percentile(quantile)) - log_ms(before.percentile(quantile))
            estimates[key] = (x, *_latency_variance(sides, key, quantile, now, before))
    common = [key for key in estimates if key != GLOBAL]
    # a duet's sides share the machine: what slows both cancels in each ratio, and a shift left
    # in every endpoint is the candidate's own (a slower middleware), not noise to take out
    shared = len(common) >= COMMON_MODE_ENDPOINTS and not sides.paired
    shift = statistics.median(estimates[k][0] for k in common) if shared else None
    between = factor * noise.endpoint**2
    shift_variance = 0.0
    if shift is not None:
        # the median of K estimates of unequal SDs σᵢ varies as π/2·H²/K, H the harmonic mean of the σᵢ:
        # one endpoint too noisy to judge (a login made once per user) barely widens it
        sds = [math.sqrt(estimates[k][1] + between) for k in common]
        spread = statistics.harmonic_mean([sd for sd in sds if sd > 0] or [0.0])
        shift_variance = math.pi / 2 * spread**2 / len(common)
    found = LatencyFindings(noise, shift)
    for rule, key in targets:
        now, before = sides.current_stats(key), sides.baseline_stats(key)
        q_now, q_before = now.percentile(quantile), before.percentile(quantile)
        if key not in estimates and rule.scope == "default":
            found.skipped.append(f"{key} ({now.requests}/{before.requests} requests)")
            continue
        if key not in estimates:
            found.checks.append(_too_few(rule, key, metric, q_before, q_now, f"{now.requests}/{before.requests}"))
            continue
        x, within, df = estimates[key]
        judged_alone = shift is None or key == GLOBAL
        variance = within + between + (factor * noise.run**2 if judged_alone else shift_variance)
        min_delta = rule.min_delta_ms if rule.min_delta_ms is not None else settings.min_delta_ms
        found.candidates.append(
            Candidate(
                rule,
                key,
                rule.tolerance,
                q_before,
                q_now,
                log_change=x,
                adjusted=x if judged_alone else x - (shift or 0.0),
                sd=math.sqrt(variance),
                df=min(df, noise.df),
                noise=noise.describe(),
                min_delta_ms=max(min_delta, 2 * bucket_width_ms(q_before)),
                sizes=(now.requests, before.requests),
            )
        )
    if shift is not None and settings.global_shift is not None:
        tolerance = Tolerance(metric, settings.global_shift.value, settings.global_shift.text)
        sd = math.sqrt(shift_variance + factor * noise.run**2)
        found.candidates.append(
            Candidate(None, ALL_ENDPOINTS, tolerance, None, None, shift, shift, sd, noise.run_df, noise.describe())
        )
    return found


def _too_few(
    rule: RegressionRule, key: str, metric: str, before: float | None, now: float | None, counts: str
) -> CheckResult:
    quantile = rule.tolerance.quantile
    message = (
        f"too few requests (this run/baseline: {counts}): {metric} is not compared below "
        f"{requests_needed(quantile)} on a side, and resolving a {rule.tolerance.describe()} tolerance usually "
        f"takes about {requests_advised(quantile)}; run longer or with more users"
    )
    return _check(rule, key, rule.tolerance, before, now, Status.INCONCLUSIVE, message)


def _rate_candidates(sides: Sides, targets: list[tuple[RegressionRule, str]], noise: Noise) -> list[Candidate]:
    factor = 1 + 1 / len(sides.runs)
    candidates = []
    for rule, key in targets:
        now, before = sides.current_stats(key), sides.baseline_stats(key)
        durations = sides.current.measured_s, sum(run.measured_s for run in sides.runs)
        if not (now.requests and before.requests and all(durations)):
            continue
        rate_now, rate_before = now.requests / durations[0], before.requests / durations[1]
        windows_s, windows = sides.windows(key)
        before_s, before_windows = sides.baseline_windows(key)
        df = noise.df
        if sides.paired:
            variance, df = paired_rate_log_variance((windows["requests"], before_windows["requests"]))
        else:
            variance = rate_log_variance(windows["requests"], windows_s) if windows_s else 1.0 / now.requests
            variance += rate_log_variance(before_windows["requests"], before_s) if before_s else 1.0 / before.requests
            variance += factor * (noise.endpoint**2 + noise.run**2)
        x = math.log(rate_now / rate_before)
        candidates.append(
            Candidate(
                rule,
                key,
                rule.tolerance,
                rate_before,
                rate_now,
                x,
                x,
                math.sqrt(variance),
                df,
                noise.describe(),
                sizes=(now.requests, before.requests),
            )
        )
    return candidates


def _error_candidates(sides: Sides, targets: list[tuple[RegressionRule, str]]) -> list[Candidate]:
    candidates = []
    for rule, key in targets:
        now, before = sides.current_stats(key), sides.baseline_stats(key)
        candidates.append(
            Candidate(
                rule,
                key,
                rule.tolerance,
                before.error_rate,
                now.error_rate,
                noise="binomial (error counts only)",
                counts=(now.failures, now.requests, before.failures, before.requests),
                sizes=(now.requests, before.requests),
            )
        )
    return candidates


# --- decisions ------------------------------------------------------------------------------


def _check(
    rule: RegressionRule | None,
    endpoint: str,
    tolerance: Tolerance,
    baseline: float | None,
    current: float | None,
    status: Status,
    message: str,
    **measures: Any,
) -> CheckResult:
    return CheckResult(
        endpoint=endpoint,
        metric=tolerance.metric,
        limit=tolerance.describe(),
        actual=current,
        status=status,
        message=message,
        rule=rule.path if rule else "regression.global_shift",
        source=str(rule.location) if rule and rule.location.file else "",
        baseline=baseline,
        kind=CheckKind.REGRESSION,
        **measures,
    )


def _percent(change: float) -> str:
    if change >= 1:
        return f"x{1 + change:.3g}"
    return f"{change:+.0%}" if abs(change) >= 0.1 else f"{change:+.1%}"


def _judge_ratio(candidate: Candidate, z_family: float, confidence: float) -> CheckResult:
    """Latency (worse = up) and throughput (worse = down), on the log scale."""
    tolerance = candidate.tolerance
    direction = -1.0 if tolerance.kind == "rps" else 1.0
    limit = -math.log1p(-tolerance.value) if direction < 0 else math.log1p(tolerance.value)
    worse = direction * candidate.adjusted
    z90 = student_quantile(1 - (1 - INTERVAL_CONFIDENCE) / 2, candidate.df)
    detectable = z90 * candidate.sd
    interval = (math.expm1(candidate.adjusted - detectable), math.expm1(candidate.adjusted + detectable))
    significant = worse - z_family * candidate.sd > 0
    has_values = candidate.current is not None and candidate.baseline is not None
    delta = candidate.current - candidate.baseline if has_values else 0.0
    large_enough = tolerance.kind != "latency" or not has_values or delta >= candidate.min_delta_ms
    # a change below min_delta is never a regression, so the run need only resolve the larger of the two
    resolvable = limit
    if has_values and tolerance.kind == "latency":
        resolvable = max(limit, math.log1p(candidate.min_delta_ms / max(candidate.baseline, LOG_FLOOR_MS)))
    change, adjusted = math.expm1(candidate.log_change), math.expm1(candidate.adjusted)
    described = _percent(change)
    if candidate.adjusted != candidate.log_change:
        described += f", {_percent(adjusted)} after the shift shared by every endpoint"
    described += f"; 90% interval {_percent(interval[0])} to {_percent(interval[1])}"
    family = f"{confidence:.0%} family-wise"
    if worse > limit and significant and large_enough:
        status = Status.REGRESSION
        message = f"{described}: beyond the tolerance {tolerance.describe()} and significant at {family}"
    elif worse < -limit and -worse - z_family * candidate.sd > 0:
        status, message = Status.IMPROVEMENT, f"{described}: better by more than the tolerance, significant at {family}"
    elif detectable > resolvable:
        status = Status.INCONCLUSIVE
        smallest = _percent(math.expm1(direction * detectable))
        now, before = candidate.sizes
        counted = f"; {now} requests now, {before} in the baseline" if now else ""
        message = (
            f"{described}: this comparison can only detect changes of {smallest} or more (tolerance "
            f"{tolerance.describe()}{counted}): run longer, with more users, merge more baseline runs, "
            "or relax the tolerance"
        )
    elif worse > limit and significant:
        status = Status.PASS
        message = f"{described}: only {delta:+.1f} ms, below min_delta {candidate.min_delta_ms:g} ms"
    else:
        status, message = Status.PASS, f"{described}: within the tolerance {tolerance.describe()}"
    return _check(
        candidate.rule,
        candidate.endpoint,
        tolerance,
        candidate.baseline,
        candidate.current,
        status,
        message,
        change=change,
        adjusted_change=adjusted,
        interval=interval,
        detectable=math.expm1(direction * detectable),
        noise=candidate.noise,
    )


def _judge_errors(candidate: Candidate, z_family: float, confidence: float) -> CheckResult:
    tolerance = candidate.tolerance
    failures_now, requests_now, failures_before, requests_before = candidate.counts
    difference, lower, upper = newcombe_difference(failures_now, requests_now, failures_before, requests_before, 1.645)
    _, family_lower, family_upper = newcombe_difference(
        failures_now, requests_now, failures_before, requests_before, z_family
    )
    detectable = upper - difference
    described = (
        f"{candidate.current:.2%} vs {candidate.baseline:.2%} ({difference * 100:+.2f}pp; "
        f"90% interval {lower * 100:+.2f} to {upper * 100:+.2f}pp)"
    )
    if difference > tolerance.value and family_lower > 0:
        status = Status.REGRESSION
        message = f"{described}: beyond {tolerance.describe()} and significant at {confidence:.0%} family-wise"
    elif difference < -tolerance.value and family_upper < 0:
        status, message = Status.IMPROVEMENT, f"{described}: fewer errors by more than the tolerance"
    elif detectable > tolerance.value:
        status = Status.INCONCLUSIVE
        message = (
            f"{described}: with {requests_now} requests this run can only detect a rise of "
            f"{detectable * 100:.2f}pp or more (tolerance {tolerance.describe()}): run longer or with more users"
        )
    else:
        status, message = Status.PASS, f"{described}: within the tolerance {tolerance.describe()}"
    return _check(
        candidate.rule,
        candidate.endpoint,
        tolerance,
        candidate.baseline,
        candidate.current,
        status,
        message,
        change=difference,
        adjusted_change=difference,
        interval=(lower, upper),
        detectable=detectable,
        noise=candidate.noise,
    )


def _targets(settings: RegressionSettings, sides: Sides) -> tuple[dict[str, list[tuple[RegressionRule, str]]], list]:
    """(rule, endpoint) pairs per metric, and no_data checks for endpoint rules that match nothing."""
    compared = sorted(sides.keys())
    keyed = [r for r in settings.rules if r.scope == "endpoint"]
    by_metric: dict[str, list[tuple[RegressionRule, str]]] = {}
    missing = []
    for rule in settings.rules:
        if rule.scope == GLOBAL:
            keys = [GLOBAL]
        elif rule.scope == "endpoint":
            keys = [key for key in compared if _matches(rule, sides, key)]
            if not keys:
                message = f"no endpoint with requests in both the baseline and this run matches {rule.key!r}"
                missing.append(_check(rule, rule.key, rule.tolerance, 0.0, 0.0, Status.NO_DATA, message))
        else:
            keys = [key for key in compared if not any(_matches(r, sides, key) for r in keyed)]
        by_metric.setdefault(rule.tolerance.metric, []).extend((rule, key) for key in keys)
    return by_metric, missing


def _matches(rule: RegressionRule, sides: Sides, key: str) -> bool:
    entry = sides.current.endpoints[key]
    return rule.matches(entry.get("method", ""), entry.get("name", key))


def compare(
    settings: RegressionSettings,
    baseline: Baseline,
    current: RunData,
    invalid: list[str] | None = None,
    paired: bool = False,
) -> Comparison:
    """Every regression check of `current` against `baseline`; `invalid` names what makes the run
    unable to support a comparison (a saturated generator, lost workers), which turns a regression
    into inconclusive. `paired`: the baseline is a duet's other side, measured in the same windows."""
    sides = Sides(current, baseline.runs, paired)
    comparison = Comparison()
    now = {k for k, s in current.endpoints.items() if s["requests"]}
    before = {k for run in baseline.runs for k, s in run.endpoints.items() if s["requests"]}
    comparison.new, comparison.gone = sorted(now - before), sorted(before - now)
    by_metric, missing = _targets(settings, sides)
    candidates: list[Candidate] = []
    checks: list[CheckResult] = list(missing)
    for metric, targets in sorted(by_metric.items()):
        kind = targets[0][0].tolerance.kind
        if kind == "latency":
            found = _latency_candidates(sides, metric, targets, settings)
            candidates += found.candidates
            checks += found.checks
            noise = found.noise
            if found.shift is not None:
                comparison.shifts[metric] = found.shift
            if found.skipped:
                comparison.skipped.setdefault(metric, []).extend(found.skipped)
        elif kind == "rps":
            noise = _rate_noise(sides, settings)
            candidates += _rate_candidates(sides, targets, noise)
        else:
            noise = Noise(0, 0.0, 0.0)
            candidates += _error_candidates(sides, targets)
        comparison.noise[metric] = noise.describe() if kind != "error_rate" else "binomial"
    alpha = (1 - settings.confidence) / max(1, len(candidates))
    for candidate in candidates:
        z_family = student_quantile(1 - alpha, candidate.df)
        judge = _judge_errors if candidate.tolerance.kind == "error_rate" else _judge_ratio
        checks.append(judge(candidate, z_family, settings.confidence))
    assigned = {rule.path for targets in by_metric.values() for rule, _ in targets}
    checks = _set_aside_default(settings, checks, comparison, assigned)
    if not sides.keys() and settings.rules:
        checks.append(_nothing_in_common())
    for check in checks:
        if invalid and check.status == Status.REGRESSION:
            check.status = Status.INCONCLUSIVE
            check.message = f"{check.message}; but this run cannot support a comparison: {'; '.join(invalid)}"
    comparison.checks = checks
    unlike = duet_warnings(baseline.runs[0], current) if paired else compatibility_warnings(baseline, current)
    comparison.warnings = unlike + _listed(comparison)
    return comparison


def _set_aside_default(
    settings: RegressionSettings,
    checks: list[CheckResult],
    comparison: Comparison,
    assigned: set[str],
) -> list[CheckResult]:
    """The `default` rule covers every endpoint, rarely called ones too: where it cannot decide,
    the endpoint is listed rather than made inconclusive, unless the rule could judge none of the
    endpoints `assigned` to it. The global shift is a companion of the endpoint checks: listed too."""
    defaults = {rule.path: rule for rule in settings.rules if rule.scope == "default"}
    kept = []
    for check in checks:
        if check.status == Status.INCONCLUSIVE and (check.rule in defaults or check.endpoint == ALL_ENDPOINTS):
            smallest = f"detects {_percent(check.detectable)} at best" if check.detectable is not None else "?"
            comparison.skipped.setdefault(check.metric, []).append(f"{check.endpoint} ({smallest})")
        else:
            kept.append(check)
    for path, rule in defaults.items():
        if path in assigned and not any(check.rule == path for check in kept):
            listed = ", ".join(comparison.skipped.get(rule.tolerance.metric, []))
            message = f"the default rule could judge no endpoint: {listed}; run longer or with more users"
            kept.append(_check(rule, "default", rule.tolerance, None, None, Status.INCONCLUSIVE, message))
    return kept


def _nothing_in_common() -> CheckResult:
    message = "no endpoint has requests in both the baseline and this run: is the baseline from another test?"
    check = CheckResult(ALL_ENDPOINTS, "endpoints", "in common", None, Status.NO_DATA, message)
    return replace(check, kind=CheckKind.REGRESSION)


def _listed(comparison: Comparison) -> list[str]:
    notes = []
    if comparison.new:
        notes.append(f"new since the baseline (not compared): {', '.join(comparison.new)}")
    if comparison.gone:
        notes.append(f"in the baseline but not in this run: {', '.join(comparison.gone)}")
    for metric, skipped in comparison.skipped.items():
        notes.append(f"the default {metric} rule could not judge (run longer or with more users): {', '.join(skipped)}")
    return notes


def with_comparison(
    result: Result,
    settings: RegressionSettings | None,
    baseline: Baseline | None,
    on_inconclusive: str = "inconclusive",
    checked: bool = False,
) -> Result:
    """The result with its regression checks (re)computed against `baseline` (None: the duet's
    own baseline side, paired), and the verdict and exit code that follow; threshold and run-level
    checks stay as they were judged live. `checked`: the result was made by this process (a stored
    one is checked like a baseline)."""
    kept = [check for check in result.checks if check.kind != CheckKind.REGRESSION]
    invalid = [check.message for check in kept if check.kind == CheckKind.RUN and check.status == Status.INCONCLUSIVE]
    data = result.to_dict()
    current = run_data(data, "this run", checked=checked)
    paired = baseline is None
    if baseline is None:
        baseline = duet_baseline(data, checked)
    comparison = compare(settings or DEFAULT_REGRESSION, baseline, current, invalid, paired)
    if settings is None:
        comparison.warnings.insert(0, "the profile has no regression: block; compared with the built-in defaults")
    earlier = set((result.comparison or {}).get("warnings", []))
    checks = kept + comparison.checks
    verdict = verdict_of(checks)
    return replace(
        result,
        checks=checks,
        verdict=verdict,
        exit_code=exit_code_of(verdict, on_inconclusive),
        warnings=[w for w in result.warnings if w not in earlier] + comparison.warnings,
        comparison=comparison.summary(baseline, settings or DEFAULT_REGRESSION),
    )
