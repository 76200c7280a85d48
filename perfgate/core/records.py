"""The records of result.json that reports read, typed: what each block holds. They stay plain
dictionaries (result.json is their form, and a stored one reads back as it was written); the
types say which keys every writer puts there and every reader may rely on."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class WindowSeries(TypedDict):
    """Per measurement window (durations in measurement.windows_s), for the baseline comparison."""

    requests: list[int]
    failures: list[int]
    histograms: list[dict[str, int]]


class EndpointSummary(TypedDict):
    """An endpoint (or the total) in result.json: counts, rates, percentiles in ms, histogram."""

    method: str
    name: str
    requests: int
    failures: int
    error_rate: float
    rps: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    min: float | None
    avg: float
    histogram: dict[str, int]  # bucket in ms (as text) -> requests
    windows: NotRequired[WindowSeries]
    errors: NotRequired[list[dict[str, object]]]  # the most frequent messages: {message, count}


class ComparisonSummary(TypedDict):
    """What the baseline comparison used and found."""

    baseline: str
    baseline_runs: int
    rules: str
    confidence: float
    checks: int
    global_shift: dict[str, float]  # metric -> the change shared by every endpoint
    noise: dict[str, str]  # metric -> where its between-run noise came from
    new_endpoints: list[str]
    gone_endpoints: list[str]
    not_judged: dict[str, list[str]]
    warnings: list[str]


class DuetSummary(TypedDict):
    """A duet's baseline side: what it ran against and its endpoints in the candidate's windows."""

    baseline_host: str
    users: dict[str, int]  # side (candidate, baseline) -> the most users it had at once
    endpoints: dict[str, EndpointSummary]
    total: EndpointSummary


class StepSummary(TypedDict):
    """One judged step of a capacity search."""

    step: int
    label: str
    users: int
    judged_s: list[float]
    requests: int
    rps: float
    error_rate: float
    percentiles: dict[str, dict[str, float]]  # endpoint -> {"p50": ms, ...}
    status: str  # held | broke
    failed: list[str]


class CapacitySummary(TypedDict):
    users: int
    rps: float
    p95: dict[str, float]
    held_step: int | None
    broke_step: int | None
    first_failure: str | None
    min_users: int | None
    min_rps: float | None
    steps: list[StepSummary]
