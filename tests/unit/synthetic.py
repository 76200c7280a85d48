"""Synthetic runs with known answers for the regression statistics: lognormal latencies from a
seeded generator, stored exactly as result.json stores them."""

from __future__ import annotations

import math
import random
from typing import Any

from perfgate.core.baseline import RunData
from perfgate.core.buckets import bucket_ms
from perfgate.core.model import RESULT_SCHEMA, VERDICT_EXIT_CODES, EndpointStats, Snapshot, endpoint_summary

ENDPOINTS = {f"GET /api/v1/e{i}": 20.0 + 15 * i for i in range(6)}


def latencies(seed: int, median_ms: float, count: int, sigma: float = 0.5) -> list[float]:
    generator = random.Random(seed)
    return [generator.lognormvariate(math.log(median_ms), sigma) for _ in range(count)]


def stats_of(key: str, values: list[float], failures: int = 0) -> EndpointStats:
    method, _, name = key.partition(" ")
    stats = EndpointStats(method, name, len(values), failures)
    for value in values:
        bucket = bucket_ms(value)
        stats.histogram[bucket] = stats.histogram.get(bucket, 0) + 1
        stats.total_response_time += value
    return stats


def run(
    seed: int,
    count: int = 2000,
    scale: dict[str, float] | None = None,
    everything: float = 1.0,
    failures: dict[str, int] | None = None,
    windows: int = 0,
    duration_s: float = 60.0,
) -> RunData:
    """One run: every endpoint of ENDPOINTS with `count` requests, latencies multiplied by
    `everything` (a slow runner) and by `scale[key]` (a regression)."""
    endpoints: dict[str, dict[str, Any]] = {}
    for index, (key, median) in enumerate(ENDPOINTS.items()):
        factor = everything * (scale or {}).get(key, 1.0)
        values = latencies(seed * 100 + index, median * factor, count)
        failed = (failures or {}).get(key, 0)
        parts = [stats_of(key, values[i::windows]) for i in range(windows)] if windows else None
        endpoints[key] = endpoint_summary(stats_of(key, values, failed), duration_s, parts)
    return RunData(
        source=f"synthetic-{seed}",
        endpoints=endpoints,
        verdict="pass",
        measured_s=duration_s,
        windows_s=[duration_s / windows] * windows if windows else [],
    )


class Stream:
    """Builds cumulative snapshots of one endpoint, one interval at a time."""

    def __init__(self, key: str = "GET /a") -> None:
        self.method, self.name = key.split(" ", 1)
        self.entry = EndpointStats(self.method, self.name)
        self.at_s = 0.0

    def advance(self, seconds: float, times: list[int], failures: int = 0) -> Snapshot:
        histogram = dict(self.entry.histogram)
        for t in times:
            histogram[t] = histogram.get(t, 0) + 1
        self.entry = EndpointStats(
            self.method,
            self.name,
            self.entry.requests + len(times),
            self.entry.failures + failures,
            histogram,
            self.entry.total_response_time + sum(times),
            min(histogram, default=None),
            max(max(times, default=0), self.entry.max_response_time),
        )
        self.at_s += seconds
        total = EndpointStats(
            "", "Aggregated", **{k: v for k, v in vars(self.entry).items() if k not in ("method", "name")}
        )
        return Snapshot({self.entry.key: self.entry}, total, self.at_s, self.at_s)


def result_document(data: RunData, verdict: str = "pass", profile: str = "thresholds/nightly.yaml") -> dict[str, Any]:
    """A synthetic run as its result.json holds it (what history records and baselines read)."""
    requests = sum(e["requests"] for e in data.endpoints.values())
    failures = sum(e["failures"] for e in data.endpoints.values())
    return {
        "schema": RESULT_SCHEMA,
        "verdict": verdict,
        "exit_code": VERDICT_EXIT_CODES[verdict],
        "started_at": "2026-11-01T02:00:00+00:00",
        "duration_s": data.measured_s,
        "host": "http://127.0.0.1:8080",
        "profile": profile,
        "versions": {},
        "checks": [],
        "endpoints": data.endpoints,
        "total": {"requests": requests, "error_rate": failures / requests, "rps": requests / data.measured_s},
        "measurement": {
            "warmup": "0s",
            "excluded_s": 0.0,
            "excluded_requests": 0,
            "measured_s": data.measured_s,
            "measured_requests": requests,
            "windows_s": data.windows_s,
        },
        "load": {"users": 50},
    }
