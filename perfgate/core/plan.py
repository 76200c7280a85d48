"""How long a CI gate must run to resolve a tolerance, before any load is run (`perfgate plan`).

The question is answered by the comparison itself (regression.compare) on synthetic runs: K
endpoints sharing the throughput evenly, each with a log-normal response-time histogram of the
stated spread (p95/p50), bucketed like perfgate's own, compared with a one-run baseline of the same
size under the profile's assumed noise. Queueing makes neighbouring requests alike, which the gate
measures from a run's windows as a batch-means inflation of the variance (sampling.variance_inflation);
here it is an input, applied as what it is: a run of n requests informs like n / inflation
independent ones. Longer runs lower the detectable change until the noise between runs, which no
run length removes, is all that is left.

From a trial run (`Workload.from_run`) each endpoint keeps its own rate, its own inflation and its
own histogram as the shape, scaled to the planned length: the log-normal's tail, lighter than real
ones above p95, made the synthetic plan optimistic by about 1.5x on ln(1 + change). The trial's
histogram is scaled as it is: smoothing it in log space (a Gaussian kernel) was tried and made
plans from 8-30 s trials more optimistic against the real comparison of the whole run.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from perfgate.core.baseline import Baseline, RunData, pooled
from perfgate.core.buckets import grid
from perfgate.core.metrics import metric, requests_for
from perfgate.core.model import ALL_ENDPOINTS, CheckKind
from perfgate.core.profile import BUILT_IN, RegressionRule, RegressionSettings
from perfgate.core.regression import compare
from perfgate.core.sampling import LOG_FLOOR_MS, normal_quantile, variance_inflation
from perfgate.core.tolerances import Tolerance

MEDIAN_MS = 50.0  # where the synthetic histograms sit: three-digit buckets make the scale irrelevant
LONGEST_S = 24 * 3600.0
PREFIX = "/endpoint-"
SHAPE_REQUESTS = 30  # fewer response times give no shape worth scaling up


@dataclass(frozen=True)
class Measured:
    """An endpoint of a trial run: its requests per second, response times and variance inflation."""

    rps: float
    histogram: dict[int | float, int]
    inflation: float


@dataclass(frozen=True)
class Workload:
    rps: float  # the whole run's requests per second after warm-up
    endpoints: int
    spread: float = 2.5  # p95 / p50 of an endpoint's response times
    inflation: float = 1.0  # batch-means variance inflation of the runs (1: independent requests)
    metric: str = "p95"
    measured: tuple[Measured, ...] = ()  # a trial run's endpoints, in place of the synthetic ones

    @classmethod
    def from_run(cls, run: RunData, metric: str) -> tuple[Workload, list[str]]:
        """The workload of a trial run's endpoints that have a shape to scale (SHAPE_REQUESTS),
        and the keys left out for having fewer."""
        quantile = needs(metric)
        measured, spreads, left_out = [], [], []
        for key in sorted(run.endpoints):
            stats = pooled([run], key)
            if stats.requests < SHAPE_REQUESTS or not run.measured_s:
                left_out.append(key)
                continue
            windows = run.windows(key)["histograms"]
            inflation = variance_inflation(windows, stats.percentile(quantile)) if windows else 1.0
            measured.append(Measured(stats.requests / run.measured_s, dict(stats.histogram), inflation))
            spreads.append(stats.percentile(0.95) / max(stats.percentile(0.5), LOG_FLOOR_MS))
        if not measured:
            return cls(0.0, 0, metric=metric), left_out
        return cls(
            rps=sum(m.rps for m in measured),
            endpoints=len(measured),
            spread=statistics.median(spreads),
            inflation=statistics.median(m.inflation for m in measured),
            metric=metric,
            measured=tuple(measured),
        ), left_out


def synthetic_histogram(requests: int, spread: float, quantile_of_spread: float = 0.95) -> dict[int | float, int]:
    """`requests` response times of a log-normal with median MEDIAN_MS and the given p95/p50, on
    perfgate's buckets."""
    sigma = math.log(spread) / normal_quantile(quantile_of_spread)
    buckets, midpoints = grid()
    cdf = statistics.NormalDist().cdf
    shares = (
        (bucket, 1.0 if math.isinf(upper) else cdf(math.log(upper / MEDIAN_MS) / sigma))
        for bucket, upper in zip(buckets, [*midpoints, math.inf], strict=True)
    )
    return _counted(shares, requests)


def scaled(histogram: dict[int | float, int], requests: int) -> dict[int | float, int]:
    """The same shape with `requests` in all."""
    total = sum(histogram.values())
    buckets = sorted(histogram)
    shares = (seen / total for seen in accumulate(histogram[bucket] for bucket in buckets))
    return _counted(zip(buckets, shares, strict=True), requests)


def _counted(shares: Iterable[tuple[int | float, float]], requests: int) -> dict[int | float, int]:
    """Counts of `requests` from each bucket's cumulative share, in the buckets' order: rounded
    cumulative counts, so that they add up to `requests` exactly."""
    histogram: dict[int | float, int] = {}
    below = 0
    for bucket, share in shares:
        cumulative = round(requests * share)
        if cumulative > below:
            histogram[bucket] = cumulative - below
            below = cumulative
        if below == requests:
            break
    return histogram


def _independent(requests: float, inflation: float, metric: str) -> int:
    # the gate compares a percentile once the run has the requests it needs, whatever its inflation:
    # the independent requests it informs like are never modelled below that floor while it holds
    floor = min(requests, requests_for(needs(metric)))
    return max(1, round(max(requests / max(1.0, inflation), floor)))


def _run(workload: Workload, run_time_s: float) -> RunData:
    if workload.measured:
        shapes = [
            (f"{PREFIX}{i + 1}", scaled(m.histogram, _independent(m.rps * run_time_s, m.inflation, workload.metric)))
            for i, m in enumerate(workload.measured)
        ]
    else:
        requests = _independent(workload.rps / workload.endpoints * run_time_s, workload.inflation, workload.metric)
        shape = synthetic_histogram(requests, workload.spread)
        shapes = [(f"{PREFIX}{i + 1}", shape) for i in range(workload.endpoints)]
    endpoints = {
        f"GET {name}": {
            "method": "GET",
            "name": name,
            "requests": sum(histogram.values()),
            "failures": 0,
            "histogram": {str(b): c for b, c in histogram.items()},
        }
        for name, histogram in shapes
    }
    return RunData("plan", endpoints, measured_s=run_time_s)


def detectable(workload: Workload, run_time_s: float, settings: RegressionSettings, tolerance: float) -> float | None:
    """The smallest change of `workload.metric` the gate could detect on one endpoint in a run of
    this length; None when it has too few requests to compare at all."""
    wanted = Tolerance(workload.metric, tolerance, f"+{tolerance:.0%}")
    # an endpoint rule: the default rule sets aside the endpoints it cannot decide on
    rule = RegressionRule("endpoint", f"GET {PREFIX}*", wanted, f"plan.{workload.metric}", BUILT_IN)
    probe = RegressionSettings(
        rules=(rule,),
        confidence=settings.confidence,
        global_shift=None,
        run_noise=settings.run_noise,
        endpoint_noise=settings.endpoint_noise,
    )
    run = _run(workload, run_time_s)
    found = [
        c.detectable
        for c in compare(probe, Baseline("plan", [run]), run).checks
        if c.kind == CheckKind.REGRESSION and c.endpoint != ALL_ENDPOINTS and c.detectable is not None
    ]
    if not found:
        return None
    return statistics.median(found)


def floor(workload: Workload, settings: RegressionSettings) -> float | None:
    """What the detectable change tends to with an endless run: the noise between runs alone."""
    return detectable(workload, LONGEST_S * 1000, settings, 0.2)


def run_time_for(workload: Workload, settings: RegressionSettings, tolerance: float) -> float | None:
    """The shortest run (seconds after warm-up) whose detectable change is within `tolerance`;
    None when no run of a day or less gets there."""

    def resolves(seconds: float) -> bool:
        found = detectable(workload, seconds, settings, tolerance)
        return found is not None and found <= tolerance

    if not resolves(LONGEST_S):
        return None
    low, high = 1.0, LONGEST_S
    while high / low > 1.02:
        middle = math.sqrt(low * high)
        low, high = (low, middle) if resolves(middle) else (middle, high)
    return high


def needs(name: str) -> float:
    found = metric(name)
    if found is None or found.quantile is None or not found.tolerance:
        raise ValueError(f"expected a percentile with regression checks like p95, found {name!r}")
    return found.quantile
