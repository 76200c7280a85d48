"""How much a metric of two runs differs when nothing changed: the noise between runs (measured
from ≥ 3 baseline runs or assumed; none in a duet) and the variance of one side's estimate within
its run. The reasons for each choice are in regression.py's opening words."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perfgate.core.baseline import pooled
from perfgate.core.model import EndpointStats
from perfgate.core.profile import RegressionSettings
from perfgate.core.sampling import (
    additive_fit,
    log_ms,
    paired_log_variance,
    quantile_log_variance,
    variance_inflation,
)
from perfgate.core.sides import Sides, requests_needed

COMMON_MODE_ENDPOINTS = 4  # fewer, and the shift shared by a run cannot be told from endpoint noise
MEASURED_NOISE_RUNS = 3
PAIRED_NOISE = "paired: measured within the run, both sides over the same windows (a duet)"
Row = tuple[list[float], list[float]]  # an endpoint's ln(metric) per baseline run, and their sampling variances


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


def latency_noise(sides: Sides, quantile: float, settings: RegressionSettings) -> Noise:
    needed = requests_needed(quantile)

    def row(key: str) -> Row | None:
        stats = [pooled([run], key) for run in sides.runs]
        if not all(s.requests >= needed for s in stats):
            return None
        values = [log_ms(s.percentile(quantile)) for s in stats]
        return values, [quantile_log_variance(s.histogram, quantile) for s in stats]

    return _between_runs(sides, settings, row)


def rate_noise(sides: Sides, settings: RegressionSettings) -> Noise:
    def row(key: str) -> Row | None:
        entries = [run.endpoints.get(key) or {} for run in sides.runs]
        if not all(e.get("requests") and e.get("rps") for e in entries):
            return None
        return [math.log(e["rps"]) for e in entries], [1.0 / e["requests"] for e in entries]

    return _between_runs(sides, settings, row)


def _between_runs(sides: Sides, settings: RegressionSettings, row: Callable[[str], Row | None]) -> Noise:
    """None in a duet; assumed (the profile's regression.noise) from fewer than MEASURED_NOISE_RUNS
    baseline runs or when no endpoint has a `row` in every run; measured otherwise."""
    if sides.paired:
        return Noise(0, 0.0, 0.0, paired=True)
    assumed = Noise(0, settings.endpoint_noise, settings.run_noise)
    if len(sides.runs) < MEASURED_NOISE_RUNS:
        return assumed
    table: dict[str, list[float]] = {}
    sampling: list[float] = []
    for key in sorted(sides.keys()):
        if (found := row(key)) is not None:
            table[key] = found[0]
            sampling += found[1]
    return measured_noise(table, sampling, len(sides.runs)) if table else assumed


def within_run_variance(
    stats: EndpointStats, windowed: tuple[list[float], dict[str, list[Any]]], quantile: float
) -> float:
    """Variance of ln(quantile) of one side: the exact bootstrap, widened by the batch means of the
    side's windows when it stored them (`windowed`: RunData.windows_s and RunData.windows(key))."""
    durations, windows = windowed
    inflation = variance_inflation(windows["histograms"], stats.percentile(quantile)) if durations else 1.0
    return quantile_log_variance(stats.histogram, quantile) * inflation


def latency_variance(
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
