"""Thresholds from measured runs of an unchanged build: what `perfgate calibrate` writes.

Limits (docs/design/statistics.md, "Calibrated limits"):
- Per endpoint and percentile, ln(value) of a future unchanged run is taken as normal around the
  mean of the calibration runs with variance (run² + endpoint² + sampling)·(1 + 1/N): the run and
  endpoint noise of the additive fit that the baseline comparison uses (noise.measured_noise),
  each at least the profile's assumed noise (regression.noise: with 3-5 runs the measured SD is
  itself uncertain by about half, and a Student-t bound with 2-4 degrees of freedom would multiply
  limits by 5-20), plus the bootstrap variance of one run's percentile.
- The promised breach probability is for the whole profile: each of its K limits gets 1/K of it
  (Bonferroni), so an unchanged run breaches any of them with at most that probability.
- Limits are rounded up to readable values (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ) and never
  written below the floor: a limit of a few milliseconds catches a garbage collection, not a
  regression.
- A percentile gets a limit only where a further run of the same length is likely to get the requests
  it needs (fewest_likely, at the same breach probability): a limit its runs only just reach would
  leave every other unchanged run inconclusive.
- The error rate: the Wilson upper bound of the pooled rate, plus the binomial spread of one run of
  the measured size at the same per-limit probability; never below its floor.

Tolerances: each calibration run is compared with all of them merged (the baseline a team would
then use), by the comparison itself (regression.compare), and the median minimum detectable
change per endpoint is what this run length resolves. Where it exceeds the tolerance wanted, the
requests that would resolve it follow from splitting its variance into sampling (which falls as
1/requests) and between-run noise (which does not).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from perfgate.core.baseline import Baseline, RunData, pooled
from perfgate.core.comparability import differences
from perfgate.core.judgement import INTERVAL_CONFIDENCE
from perfgate.core.metrics import metric
from perfgate.core.model import ALL_ENDPOINTS, CheckKind, Status
from perfgate.core.naming import key_matches
from perfgate.core.noise import COMMON_MODE_ENDPOINTS, MEASURED_NOISE_RUNS, Noise, measured_noise
from perfgate.core.profile import BUILT_IN, RegressionRule, RegressionSettings
from perfgate.core.regression import compare
from perfgate.core.sampling import (
    log_ms,
    normal_quantile,
    quantile_log_variance,
    student_quantile,
    variance_inflation,
    wilson,
)
from perfgate.core.sides import requests_needed
from perfgate.core.tolerances import Tolerance

MIN_RUNS = MEASURED_NOISE_RUNS  # the between-run noise is measured from 3 runs on
NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
LIMITED_PERCENTILES = ("p95", "p99")
TOLERANCE_STEP = 0.05  # tolerances are written in steps of 5%
_Z90 = normal_quantile(1 - (1 - INTERVAL_CONFIDENCE) / 2)


class CalibrationError(Exception):
    """Runs that cannot be calibrated from; the message says why and what to do."""


@dataclass(frozen=True)
class Targets:
    breach: float = 0.001  # the chance that an unchanged run breaches any calibrated limit
    tolerance: float = 0.20  # the regression tolerance a team wants resolvable
    floor_ms: float = 10.0
    error_floor: float = 0.01
    margin: float = 0.0  # extra headroom on every limit (0.1 = 10% above the statistical bound)


@dataclass(frozen=True)
class LatencyLimit:
    endpoint: str
    metric: str
    limit_ms: float
    bound_ms: float  # before rounding and the floor
    typical_ms: float  # the geometric mean over the runs
    values_ms: tuple[float, ...]
    sd: float  # of ln(value) in a future run, every part included
    sampling_sd: float
    requests: float  # per run, mean


@dataclass(frozen=True)
class ErrorLimit:
    limit: float
    bound: float
    failures: int
    requests: int
    runs: int


@dataclass(frozen=True)
class ToleranceFinding:
    endpoint: str
    metric: str
    detectable: float  # median over the runs, as the comparison reports it
    tolerance: float  # what the calibrated profile writes
    requests: float  # per run, mean
    rps: float
    needed_requests: int | None = None  # per run, for the wanted tolerance; None: resolvable, or never
    unreachable: bool = False  # the between-run noise alone exceeds the wanted tolerance


@dataclass
class Calibration:
    runs: list[RunData]
    targets: Targets
    per_limit: float = 0.0  # the breach probability each limit was given
    limits: list[LatencyLimit] = field(default_factory=list)
    error: ErrorLimit | None = None
    tolerances: list[ToleranceFinding] = field(default_factory=list)
    noise: dict[str, Noise] = field(default_factory=dict)
    compared: dict[str, int] = field(default_factory=dict)  # endpoints the noise was measured over, per metric
    inflation: float = 1.0  # median batch-means variance inflation of p95 over endpoints and runs
    left_out: list[str] = field(default_factory=list)

    @property
    def limit_count(self) -> int:
        return len(self.limits) + (self.error is not None)


def nice_up(value: float) -> float:
    """The smallest readable value at or above `value`."""
    if value <= 0:
        return 0.0
    scale = 10 ** math.floor(math.log10(value))
    return next(step * scale for step in NICE_STEPS if step * scale >= value * (1 - 1e-9))


def refusals(runs: list[RunData]) -> list[str]:
    """Why these runs cannot be calibrated from, or nothing."""
    if len(runs) < MIN_RUNS:
        return [f"{len(runs)} run(s): calibration needs at least {MIN_RUNS} runs of the same job to measure noise"]
    reference = runs[0]
    return [f"{run.source}: {reference.source} {d}" for run in runs[1:] for d in differences(reference, run)]


def fewest_likely(counts: list[int], z: float) -> int:
    """The fewest requests a further run of the same length is likely to get: the mean count less z
    SDs of a new run's count, the SD the larger of the counts' spread and the Poisson spread √mean (a
    spread measured from 3 runs can be near 0 by chance), widened by √(1 + 1/N) as the mean is itself
    estimated."""
    mean = statistics.fmean(counts)
    spread = statistics.stdev(counts) if len(counts) > 1 else 0.0
    sd = max(spread, math.sqrt(mean)) * math.sqrt(1 + 1 / len(counts))
    return max(0, math.floor(mean - z * sd))


def _keys(runs: list[RunData]) -> list[str]:
    return sorted({key for run in runs for key in run.endpoints})


def _latency_limits(
    runs: list[RunData], name: str, calibration: Calibration
) -> list[tuple[str, list[float], list[float], float]]:
    """(endpoint, ln values per run, sampling variances, mean requests) of every endpoint whose
    runs all have the requests this percentile needs; the others are listed as left out."""
    quantile = metric(name).quantile  # type: ignore[union-attr]
    needed = requests_needed(quantile)
    z = normal_quantile(1 - calibration.targets.breach)
    rows = []
    inflations: list[float] = []
    for key in _keys(runs):
        stats = [pooled([run], key) for run in runs]
        counts = [s.requests for s in stats]
        fewest, likely = min(counts), fewest_likely(counts, z)
        if fewest < needed:
            if name == LIMITED_PERCENTILES[0] or fewest >= requests_needed(0.95):
                calibration.left_out.append(f"{key} {name}: {fewest} requests in a run, a limit needs {needed}")
            continue
        if likely < needed:
            calibration.left_out.append(
                f"{key} {name}: {fewest}-{max(counts)} requests in a run, and a further run of this length may get"
                f" {likely}; a limit needs {needed}, or the run is inconclusive on it: run longer"
            )
            continue
        logs = [log_ms(s.percentile(quantile)) for s in stats]
        if name == LIMITED_PERCENTILES[0]:
            inflations += [
                variance_inflation(run.windows(key)["histograms"], s.percentile(quantile))
                for s, run in zip(stats, runs, strict=True)
                if run.windows_s
            ]
        sampling = [quantile_log_variance(s.histogram, quantile) for s in stats]
        rows.append((key, logs, sampling, statistics.fmean(s.requests for s in stats)))
    if rows:
        table = {key: logs for key, logs, _, _ in rows}
        noise = measured_noise(table, [v for _, _, sampling, _ in rows for v in sampling], len(runs))
        calibration.noise[name] = noise
        calibration.compared[name] = len(rows)
    if inflations:
        calibration.inflation = statistics.median(inflations)
    return rows


def calibrate(runs: list[RunData], targets: Targets, settings: RegressionSettings) -> Calibration:
    """Limits and tolerances from `runs` (checked with `refusals` first); `settings`: the user's
    regression block (its confidence, assumed noise and latency metrics), or the defaults."""
    calibration = Calibration(runs, targets)
    measured = {name: _latency_limits(runs, name, calibration) for name in LIMITED_PERCENTILES}
    requests = sum(_total(run)[1] for run in runs)
    count = sum(len(rows) for rows in measured.values()) + (requests > 0)
    calibration.per_limit = targets.breach / max(1, count)
    z = normal_quantile(1 - calibration.per_limit)
    factor = 1 + 1 / len(runs)
    for name, rows in measured.items():
        noise = calibration.noise.get(name)
        if noise is None:
            continue
        run_sd, endpoint_sd = max(noise.run, settings.run_noise), max(noise.endpoint, settings.endpoint_noise)
        for key, logs, sampling, mean_requests in rows:
            sampling_variance = statistics.fmean(sampling)
            sd = math.sqrt((run_sd**2 + endpoint_sd**2 + sampling_variance) * factor)
            typical = math.exp(statistics.fmean(logs))
            bound = typical * math.exp(z * sd) * (1 + targets.margin)
            calibration.limits.append(
                LatencyLimit(
                    key,
                    name,
                    max(targets.floor_ms, nice_up(bound)),
                    bound,
                    typical,
                    tuple(math.exp(v) for v in logs),
                    sd,
                    math.sqrt(sampling_variance),
                    mean_requests,
                )
            )
    if requests:
        calibration.error = _error_limit(runs, z, targets)
    calibration.tolerances = _tolerances(runs, targets, settings, calibration)
    return calibration


def _total(run: RunData) -> tuple[int, int]:
    """(failures, requests) of a run: its aggregate, else the sum of its endpoints."""
    if run.total.get("requests") is not None:
        return run.total.get("failures", 0), run.total["requests"]
    return (
        sum(e["failures"] for e in run.endpoints.values()),
        sum(e["requests"] for e in run.endpoints.values()),
    )


def _error_limit(runs: list[RunData], z: float, targets: Targets) -> ErrorLimit:
    counts = [_total(run) for run in runs]
    failures, requests = sum(f for f, _ in counts), sum(n for _, n in counts)
    _, upper = wilson(failures, requests, normal_quantile(0.975))
    per_run = requests / len(runs)
    bound = (upper + z * math.sqrt(upper * (1 - upper) / per_run)) * (1 + targets.margin)
    limit = max(targets.error_floor, nice_up(bound * 100) / 100)
    return ErrorLimit(limit, bound, failures, requests, len(runs))


def _tolerances(
    runs: list[RunData], targets: Targets, settings: RegressionSettings, calibration: Calibration
) -> list[ToleranceFinding]:
    """Each run compared with all of them merged; per endpoint the median detectable change."""
    latency = sorted({r.tolerance.metric for r in settings.rules if r.tolerance.kind == "latency"} or {"p95"})
    wanted = {name: Tolerance(name, targets.tolerance, f"+{targets.tolerance:.0%}") for name in latency}
    rules = tuple(
        RegressionRule("endpoint", key, wanted[name], f"calibration.{name}", BUILT_IN)
        for key in _keys(runs)
        for name in latency
    )
    probe = RegressionSettings(
        rules=rules,
        confidence=settings.confidence,
        global_shift=None,
        run_noise=settings.run_noise,
        endpoint_noise=settings.endpoint_noise,
        min_delta_ms=settings.min_delta_ms,
    )
    baseline = Baseline("the calibration runs", runs)
    detected: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for run in runs:
        for check in compare(probe, baseline, run).checks:
            usable = check.kind == CheckKind.REGRESSION and check.status != Status.NO_DATA
            if usable and check.detectable is not None and check.endpoint != ALL_ENDPOINTS:
                measured = calibration.noise.get(check.metric)
                z90 = student_quantile(1 - (1 - INTERVAL_CONFIDENCE) / 2, measured.df if measured else math.inf)
                variance = (math.log1p(check.detectable) / z90) ** 2
                detected.setdefault((check.endpoint, check.metric), []).append((check.detectable, variance))
    return [
        _finding(runs, key, name, values, targets, _lasting(calibration, name, settings))
        for (key, name), values in sorted(detected.items())
    ]


def _lasting(calibration: Calibration, name: str, settings: RegressionSettings) -> float:
    """The part of a comparison's variance that longer runs do not shrink: the endpoint noise between
    runs (in the endpoint's estimate and, 1/K of it, in the shift shared by K endpoints), and the run
    noise when fewer than 4 endpoints leave no shift to remove it with (regression._latency_candidates)."""
    factor = 1 + 1 / len(calibration.runs)
    noise = calibration.noise.get(name)
    if noise is None:
        return factor * (settings.endpoint_noise**2 + settings.run_noise**2)
    endpoints = calibration.compared[name]
    if endpoints >= COMMON_MODE_ENDPOINTS:
        return factor * noise.endpoint**2 * (1 + math.pi / (2 * endpoints))
    return factor * (noise.endpoint**2 + noise.run**2)


def _finding(
    runs: list[RunData],
    key: str,
    name: str,
    detected: list[tuple[float, float]],
    targets: Targets,
    lasting: float,
) -> ToleranceFinding:
    stats = [pooled([run], key) for run in runs]
    requests = statistics.fmean(s.requests for s in stats)
    measured_s = statistics.fmean(run.measured_s for run in runs) or 1.0
    detectable = statistics.median(d for d, _ in detected)
    wanted = targets.tolerance
    tolerance = max(wanted, math.ceil(detectable / TOLERANCE_STEP - 1e-9) * TOLERANCE_STEP)
    finding = ToleranceFinding(key, name, detectable, tolerance, requests, requests / measured_s)
    if detectable <= wanted:
        return finding
    # the rest of the variance is sampling (widened by batch means), which falls as 1/requests
    shrinking = max(0.0, statistics.median(v for _, v in detected) - lasting)
    room = (math.log1p(wanted) / _Z90) ** 2 - lasting
    if room <= 0:
        return ToleranceFinding(key, name, detectable, tolerance, requests, finding.rps, None, True)
    needed = math.ceil(requests * shrinking / room)
    return ToleranceFinding(key, name, detectable, tolerance, requests, finding.rps, needed)


def written_keys(calibration: Calibration, user_keys: list[str]) -> dict[str, str]:
    """The profile key each calibrated endpoint is written under: the user's own key that matches it
    (so that the calibrated limit replaces theirs; a glob takes the loosest of its endpoints), else
    the endpoint's own name."""
    written = {}
    for key in {finding.endpoint for finding in calibration.limits + calibration.tolerances}:  # type: ignore[operator]
        entry = next((run.endpoints[key] for run in calibration.runs if key in run.endpoints), {})
        method, name = entry.get("method", ""), entry.get("name", key)
        written[key] = next((k for k in user_keys if key_matches(k, method, name)), key)
    return written
