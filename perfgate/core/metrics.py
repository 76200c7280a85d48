"""Every metric a profile can name, in one table: its kind (and so its unit and limit syntax), how
its value is read from an endpoint's stats, how many requests a check on it needs, its k6 name,
whether a baseline comparison may set a tolerance on it and whether the history trends it.

The limit parser, the evaluator, the regression comparison, the history and the profile's JSON
Schema (perfgate.config.schema, checked against this table by a test) all read it: a new metric is
one row here plus its tests.

How many requests a check needs: a percentile q is an order statistic, and of n requests n·(1-q)
lie above it. With fewer than three above it a p95 is in effect the maximum and one slow request
decides the check, so a percentile needs 3 / (1 - q) requests (p90: 30, p95: 60, p99: 300, p99.9:
3000), means, spreads, extremes and rates 30; counts and throughput are their own evidence.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfgate.core.model import EndpointStats

TAIL_REQUESTS = 3
MIN_REQUESTS_FLOOR = 30


class Kind(StrEnum):
    """What a metric measures, which fixes its unit: ms, a fraction of requests, a count, per second."""

    LATENCY = "latency"
    ERROR_RATE = "error_rate"
    COUNT = "count"
    RPS = "rps"


Reader = Callable[["EndpointStats", float], float]  # (an endpoint's stats, their duration in s) -> value


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    read: Reader
    needs: int  # requests after warm-up before a passing check on it means something (0: none)
    k6: str | None = None  # k6's name for it in a threshold expression
    tolerance: bool = False  # a regression: block may set a tolerance on it
    trended: bool = False  # a column of the run history, judged by `perfgate history`
    quantile: float | None = None  # percentiles only


def _rps(stats: EndpointStats, duration_s: float) -> float:
    return stats.requests / duration_s if duration_s > 0 else 0.0


def _stddev(stats: EndpointStats, _: float) -> float:
    """The standard deviation of the response times, from the histogram (within its 0.5% buckets)."""
    counts = stats.histogram
    total = sum(counts.values())
    if not total:
        return 0.0
    mean = sum(bucket * count for bucket, count in counts.items()) / total
    return math.sqrt(sum(count * (bucket - mean) ** 2 for bucket, count in counts.items()) / total)


NAMED = (
    Metric("avg", Kind.LATENCY, lambda s, _: s.avg, MIN_REQUESTS_FLOOR, k6="avg"),
    Metric("min", Kind.LATENCY, lambda s, _: float(s.min_response_time or 0.0), MIN_REQUESTS_FLOOR, k6="min"),
    Metric("max", Kind.LATENCY, lambda s, _: float(s.max_response_time), MIN_REQUESTS_FLOOR, k6="max"),
    Metric("stddev", Kind.LATENCY, _stddev, MIN_REQUESTS_FLOOR),  # Gatling's stdDev
    Metric("error_rate", Kind.ERROR_RATE, lambda s, _: s.error_rate, MIN_REQUESTS_FLOOR, "rate", True, True),
    Metric("failures", Kind.COUNT, lambda s, _: float(s.failures), 0),
    Metric("requests", Kind.COUNT, lambda s, _: float(s.requests), 0, k6="count"),
    Metric("rps", Kind.RPS, _rps, 0, tolerance=True, trended=True),
)
# other spellings of a metric: k6's `med`, and what people call the 50th percentile
ALIASES = {"median": "p50", "med": "p50"}
# the metric names of k6 threshold expressions (its percentiles are p(N))
K6_NAMES = {m.k6: m.name for m in NAMED if m.k6} | {"med": "p50"}
PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
TRENDED_PERCENTILES = ("p50", "p95", "p99")  # history columns, time-line and capacity-step percentiles
SUMMARY_PERCENTILES = ("p50", "p90", "p95", "p99")  # kept per endpoint in result.json
_BY_NAME = {metric.name: metric for metric in NAMED}


@functools.cache
def metric(name: str) -> Metric | None:
    """The metric `name` stands for (an alias, a percentile pN, a named one), or None."""
    name = ALIASES.get(name, name)
    match = PERCENTILE.match(name)
    if match is None:
        return _BY_NAME.get(name)
    quantile = float(match.group(1)) / 100
    return Metric(
        name,
        Kind.LATENCY,
        lambda stats, _: stats.percentile(quantile),
        requests_for(quantile),
        tolerance=quantile < 1,
        trended=name in TRENDED_PERCENTILES,
        quantile=quantile,
    )


def requests_for(quantile: float, beyond: float = TAIL_REQUESTS) -> int:
    """Requests a percentile needs so that `beyond` of them lie above it (at least the floor)."""
    tail = math.ceil(beyond / (1 - quantile) - 1e-9) if quantile < 1 else 0
    return max(MIN_REQUESTS_FLOOR, tail)


def percentiles(stats: EndpointStats, chosen: tuple[str, ...]) -> dict[str, float]:
    """The named percentiles of an endpoint's stats ({"p50": ms, ...}), read in one pass."""
    return dict(zip(chosen, stats.percentiles(_quantiles(chosen)), strict=True))


@functools.cache
def _quantiles(chosen: tuple[str, ...]) -> tuple[float, ...]:
    found = [metric(name) for name in chosen]
    return tuple(m.quantile for m in found if m is not None and m.quantile is not None)


def kind_of(name: str) -> Kind | None:
    found = metric(name)
    return found.kind if found else None


def trended() -> tuple[str, ...]:
    """The metrics a history records per endpoint, in column order."""
    return TRENDED_PERCENTILES + tuple(m.name for m in NAMED if m.trended)


def names(tolerance: bool = False) -> str:
    """The metric names for a message: every one, or those a tolerance may be set on."""
    named = [m.name for m in NAMED if m.tolerance or not tolerance]
    return ", ".join(["p50 ... p99.9", *named, *(f"{alias} (p50)" for alias in ALIASES if not tolerance)])


def format_value(kind: Kind | str, value: float | None) -> str:
    if value is None:
        return "-"
    if kind == Kind.LATENCY:
        return f"{value:,.0f}ms" if value >= 10 else f"{value:.1f}ms"
    if kind == Kind.ERROR_RATE:
        return f"{value * 100:.2f}%"
    if kind == Kind.RPS:
        return f"{value:,.1f}/s"
    return f"{value:,.0f}"


# the run-level checks (core.observations) whose value is how long the run lasted, in seconds
RUN_TIME, INTERRUPTED = "run_time", "interrupted"


def shown(name: str, value: float | None) -> str:
    """A metric's value as every report shows it (a name outside the table as a count)."""
    if name in (RUN_TIME, INTERRUPTED) and value is not None:
        return f"{value:.1f}s"
    return format_value(kind_of(name) or Kind.COUNT, value)
