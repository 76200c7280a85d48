"""Regression detection against a baseline: pure functions from two runs' histograms to checks.
This module builds the checks; sides.py holds the two sides, noise.py the noise between runs and the
variance within one, judgement.py decides each check.

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

from perfgate.core.baseline import Baseline, RunData, duet_baseline, run_data
from perfgate.core.buckets import bucket_width_ms
from perfgate.core.comparability import compatibility_warnings, duet_warnings
from perfgate.core.evaluate import exit_code_of, verdict_of
from perfgate.core.judgement import Candidate, judge, regression_check, signed_change
from perfgate.core.model import ALL_ENDPOINTS, CheckKind, CheckResult, Result, Status
from perfgate.core.noise import COMMON_MODE_ENDPOINTS, Noise, latency_noise, latency_variance, rate_noise
from perfgate.core.profile import DEFAULT_REGRESSION, RegressionRule, RegressionSettings
from perfgate.core.records import ComparisonSummary
from perfgate.core.sampling import log_ms, paired_rate_log_variance, rate_log_variance, student_quantile
from perfgate.core.sides import GLOBAL, Sides, requests_advised, requests_needed
from perfgate.core.tolerances import Tolerance


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
    noise = latency_noise(sides, quantile, settings)
    factor = 1 + 1 / len(sides.runs)
    estimates: dict[str, tuple[float, float, float]] = {}  # key -> log ratio, its variance and df
    for key in sorted(sides.keys() | {GLOBAL}):
        now, before = sides.current_stats(key), sides.baseline_stats(key)
        if now.requests >= needed and before.requests >= needed:
            x = log_ms(now.percentile(quantile)) - log_ms(before.percentile(quantile))
            estimates[key] = (x, *latency_variance(sides, key, quantile, now, before))
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
    return regression_check(rule, key, rule.tolerance, before, now, Status.INCONCLUSIVE, message)


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
                missing.append(regression_check(rule, rule.key, rule.tolerance, 0.0, 0.0, Status.NO_DATA, message))
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
            noise = rate_noise(sides, settings)
            candidates += _rate_candidates(sides, targets, noise)
        else:
            noise = Noise(0, 0.0, 0.0)
            candidates += _error_candidates(sides, targets)
        comparison.noise[metric] = noise.describe() if kind != "error_rate" else "binomial"
    alpha = (1 - settings.confidence) / max(1, len(candidates))
    for candidate in candidates:
        z_family = student_quantile(1 - alpha, candidate.df)
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
            smallest = f"detects {signed_change(check.detectable)} at best" if check.detectable is not None else "?"
            comparison.skipped.setdefault(check.metric, []).append(f"{check.endpoint} ({smallest})")
        else:
            kept.append(check)
    for path, rule in defaults.items():
        if path in assigned and not any(check.rule == path for check in kept):
            listed = ", ".join(comparison.skipped.get(rule.tolerance.metric, []))
            message = f"the default rule could judge no endpoint: {listed}; run longer or with more users"
            kept.append(regression_check(rule, "default", rule.tolerance, None, None, Status.INCONCLUSIVE, message))
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
