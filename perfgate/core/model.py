"""Plain data shared by every layer: endpoint statistics, snapshots, checks and results."""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from itertools import accumulate
from typing import Any

from perfgate.core.buckets import coarse_bucket_ms
from perfgate.core.metrics import SUMMARY_PERCENTILES, percentiles
from perfgate.core.naming import endpoint_key
from perfgate.core.records import CapacitySummary, ComparisonSummary, DuetSummary, EndpointSummary

RESULT_SCHEMA = "perfgate.result/1"
ALL_ENDPOINTS = "all endpoints"  # what a check or series on every endpoint together is named


class Status(StrEnum):
    """What one check found."""

    PASS = "pass"
    FAIL = "fail"
    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    NO_DATA = "no_data"
    INCONCLUSIVE = "inconclusive"


class Verdict(StrEnum):
    """What a whole run found; each has its exit code (DESIGN.md)."""

    PASS = "pass"
    FAIL = "fail"
    REGRESSION = "regression"
    INCONCLUSIVE = "inconclusive"


class CheckKind(StrEnum):
    THRESHOLD = "threshold"  # a limit of the profile
    REGRESSION = "regression"  # a tolerance against a baseline
    RUN = "run"  # whether the run can support a verdict at all
    CAPACITY = "capacity"  # the capacity a stepped run found
    DRIFT = "drift"  # a metric that grew steadily over the measured run (settings.drift)


VERDICT_EXIT_CODES = {Verdict.PASS: 0, Verdict.FAIL: 3, Verdict.REGRESSION: 4, Verdict.INCONCLUSIVE: 5}
CONFIG_ERROR_EXIT_CODE = 2
REFUSED = "refused"  # what the reports of a run call exit code 2: nothing was run
# the order in which every report lists checks: what needs attention first
STATUS_ORDER = (Status.FAIL, Status.REGRESSION, Status.NO_DATA, Status.INCONCLUSIVE, Status.IMPROVEMENT, Status.PASS)
UNRESOLVED = (Status.NO_DATA, Status.INCONCLUSIVE)  # a check that could not be decided


@dataclass
class EndpointStats:
    """Counts and the response-time histogram ({bucket ms: count}) of one Locust entry."""

    method: str
    name: str
    requests: int = 0
    failures: int = 0
    histogram: dict[float, int] = field(default_factory=dict)
    total_response_time: float = 0.0
    min_response_time: float | None = None
    max_response_time: float = 0.0

    @property
    def key(self) -> str:
        return endpoint_key(self.method, self.name)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def avg(self) -> float:
        return self.total_response_time / self.requests if self.requests else 0.0

    def minus(self, earlier: EndpointStats) -> EndpointStats:
        """The requests between an earlier snapshot of this entry and this one (counts are additive).

        min and max are not: the interval keeps this snapshot's max only if it rose, else the
        largest bucket seen in the interval stands in for it.
        """
        before = earlier.histogram
        histogram = {}
        for bucket, count in self.histogram.items():
            left = count - before.get(bucket, 0)
            if left > 0:
                histogram[bucket] = left
        rose = self.max_response_time > earlier.max_response_time
        return EndpointStats(
            self.method,
            self.name,
            self.requests - earlier.requests,
            self.failures - earlier.failures,
            histogram,
            self.total_response_time - earlier.total_response_time,
            min(histogram, default=None),
            self.max_response_time if rose else float(max(histogram, default=0)),
        )

    def plus(self, other: EndpointStats) -> EndpointStats:
        """Both entries' requests as one: two Locust entries that are one endpoint ("POST /x" and
        "/x" with method POST), or runs pooled into a baseline."""
        histogram = dict(self.histogram)
        for bucket, count in other.histogram.items():
            histogram[bucket] = histogram.get(bucket, 0) + count
        lows = [low for low in (self.min_response_time, other.min_response_time) if low is not None]
        return EndpointStats(
            self.method,
            self.name,
            self.requests + other.requests,
            self.failures + other.failures,
            histogram,
            self.total_response_time + other.total_response_time,
            min(lows, default=None),
            max(self.max_response_time, other.max_response_time),
        )

    @classmethod
    def summed(cls, parts: Iterable[EndpointStats], name: str) -> EndpointStats:
        """Every part's requests as one entry named `name` (the aggregate of a run's endpoints),
        in one pass: `plus` in a loop would copy the growing histogram once per part."""
        total = cls("", name)
        histogram = total.histogram
        lows = []
        for part in parts:
            for bucket, count in part.histogram.items():
                histogram[bucket] = histogram.get(bucket, 0) + count
            total.requests += part.requests
            total.failures += part.failures
            total.total_response_time += part.total_response_time
            total.max_response_time = max(total.max_response_time, part.max_response_time)
            if part.min_response_time is not None:
                lows.append(part.min_response_time)
        total.min_response_time = min(lows, default=None)
        return total

    def coarse(self) -> EndpointStats:
        histogram: dict[float, int] = {}
        for bucket, count in self.histogram.items():
            key = coarse_bucket_ms(bucket)
            histogram[key] = histogram.get(key, 0) + count
        return replace(self, histogram=histogram)

    def percentile(self, quantile: float) -> float:
        return self.percentiles((quantile,))[0]

    def percentiles(self, quantiles: tuple[float, ...]) -> list[float]:
        """Locust's percentile over the histogram (the largest bucket with at most int(n * q)
        requests faster than it), so our numbers match its tables; one sort for all quantiles."""
        if not self.histogram:
            return [0.0] * len(quantiles)
        descending = sorted(self.histogram, reverse=True)
        processed = list(accumulate(map(self.histogram.__getitem__, descending)))  # requests at or above each bucket
        counted = processed[-1]
        return [float(descending[bisect_left(processed, counted - int(counted * q))]) for q in quantiles]


@dataclass
class Snapshot:
    """Stats of every endpoint and of the aggregate over `duration_s` seconds, ending `at_s` seconds
    after the test started. Locust's stats are cumulative; `minus` gives any interval between two."""

    endpoints: dict[str, EndpointStats]
    total: EndpointStats
    duration_s: float
    at_s: float = 0.0

    def coarse(self) -> Snapshot:
        """The same counts on coarse buckets (buckets.coarse_bucket_ms), as the measurement windows
        keep them: batch means only read the share of requests below a quantile from a window, and
        32 windows of fine histograms made result.json ten times larger (benchmarks/scale.py)."""
        return Snapshot(
            {key: stats.coarse() for key, stats in self.endpoints.items()},
            self.total.coarse(),
            self.duration_s,
            self.at_s,
        )

    def minus(self, earlier: Snapshot) -> Snapshot:
        empty = EndpointStats("", "")
        endpoints = {key: stats.minus(earlier.endpoints.get(key, empty)) for key, stats in self.endpoints.items()}
        return Snapshot(endpoints, self.total.minus(earlier.total), self.at_s - earlier.at_s, self.at_s)


@dataclass
class CheckResult:
    endpoint: str  # an endpoint key, "global", "run", or the profile key that matched nothing
    metric: str
    limit: str  # a threshold ("< 500ms") or a tolerance ("+20%")
    actual: float | None
    status: Status
    message: str
    rule: str = ""  # the profile key path that produced the check
    source: str = ""  # file:line of that key
    baseline: float | None = None
    kind: CheckKind = CheckKind.THRESHOLD
    # regression checks only: relative changes (0.25 = +25%); percentage points as fractions for error_rate
    change: float | None = None
    adjusted_change: float | None = None  # after removing the slowdown shared by every endpoint
    interval: tuple[float, float] | None = None  # 90% confidence interval of the adjusted change
    detectable: float | None = None  # the smallest change this comparison could detect
    noise: str = ""  # where the between-run noise came from


@dataclass
class AbortRecord:
    """The check that stopped the run, and when (seconds after the test started)."""

    rule: str
    endpoint: str
    metric: str
    at_s: float
    actual: float
    message: str


@dataclass(frozen=True)
class Refusal:
    """A run perfgate refused before judging it (exit code 2): `what` in a few words ("invalid
    profile"), and each problem as the console printed it."""

    what: str
    problems: tuple[str, ...]


@dataclass
class Result:
    verdict: Verdict
    exit_code: int
    started_at: str
    duration_s: float
    host: str
    profile: str
    versions: dict[str, str]
    checks: list[CheckResult]
    endpoints: dict[str, EndpointSummary]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    measurement: dict[str, Any] = field(default_factory=dict)
    aborted: AbortRecord | None = None
    total: EndpointSummary | dict[str, Any] = field(default_factory=dict)  # empty when nothing ran
    load: dict[str, Any] = field(default_factory=dict)
    comparison: ComparisonSummary | None = None  # what the baseline comparison used and found
    capacity: CapacitySummary | None = None  # load.mode capacity
    duet: DuetSummary | None = None  # --baseline-host: the baseline side, measured beside this run

    def to_dict(self) -> dict[str, Any]:
        """Shares the endpoint, time-line and comparison dicts with this Result (read them, do not
        change them): deep-copying 10^5 histogram entries cost seconds (benchmarks/scale.py)."""
        data = {"schema": RESULT_SCHEMA, **{f.name: getattr(self, f.name) for f in fields(self)}}
        data["checks"] = [asdict(check) for check in self.checks]
        data["aborted"] = asdict(self.aborted) if self.aborted else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """A result.json read back (the caller has checked its schema)."""
        values = _known(cls, data)
        values["checks"] = [CheckResult(**_known(CheckResult, check)) for check in data.get("checks", [])]
        for check in values["checks"]:
            check.interval = tuple(check.interval) if check.interval else None  # type: ignore[assignment]
            check.status, check.kind = Status(check.status), CheckKind(check.kind)
        values["verdict"] = Verdict(values["verdict"])
        aborted = data.get("aborted")
        values["aborted"] = AbortRecord(**_known(AbortRecord, aborted)) if aborted else None
        return cls(**values)


def _known(kind: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(kind)}
    return {key: value for key, value in data.items() if key in names}


def histogram_of(data: dict[str, int]) -> dict[float, int]:
    """A histogram as stored in result.json (JSON keys are strings: "147", "9.45"); the readers
    have checked that the counts are integers."""
    return dict(zip(map(_bucket, data), data.values(), strict=True))


@functools.cache  # a few thousand distinct keys, parsed ~10^6 times for a large run
def _bucket(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def endpoint_summary(
    stats: EndpointStats, duration_s: float, windows: list[EndpointStats] | None = None
) -> EndpointSummary:
    """The per-endpoint block of result.json: counts, rates, percentiles, the histogram and, for
    the baseline comparison, the same per measurement window (durations in measurement.windows_s)."""
    summary: EndpointSummary = {
        "method": stats.method,
        "name": stats.name,
        "requests": stats.requests,
        "failures": stats.failures,
        "error_rate": stats.error_rate,
        "rps": stats.requests / duration_s if duration_s > 0 else 0.0,
        **percentiles(stats, SUMMARY_PERCENTILES),  # type: ignore[typeddict-item]
        "max": stats.max_response_time,
        "min": stats.min_response_time,
        "avg": stats.avg,
        "histogram": _stored(stats.histogram),
    }
    if windows is not None:
        summary["windows"] = {
            "requests": [w.requests for w in windows],
            "failures": [w.failures for w in windows],
            "histograms": [_stored(w.histogram) for w in windows],
        }
    return summary


def _stored(histogram: dict[float, int]) -> dict[str, int]:
    buckets = sorted(histogram)
    return dict(zip(map(str, buckets), map(histogram.__getitem__, buckets), strict=True))


def profile_name(path: str) -> str:
    """ "ci" for thresholds/ci.yaml: how reports and baseline warnings name a profile."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return (name[:dot] if dot > 0 else name) or "profile"
