"""Synthetic runs with known answers for the regression statistics: lognormal latencies from a
seeded generator, stored exactly as result.json stores them."""

from __future__ import annotations

import math
import random
from typing import Any

from perfgate.baseline import RunData
from perfgate.buckets import bucket_ms
from perfgate.model import EndpointStats, endpoint_summary

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
