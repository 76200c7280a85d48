"""3. Verdict latency at scale: evaluation, the baseline comparison and every report for 200
endpoints with 1,000,000 requests each (synthetic histograms on perfgate's buckets, fed through
the same LiveMonitor and `assemble` the plugin uses), and the cost of one live-loop interval."""

from __future__ import annotations

import math
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from perfgate.config.profile import load_profile
from perfgate.core.assemble import RunFacts, assemble
from perfgate.core.buckets import bucket_width_ms
from perfgate.core.live import LiveMonitor, empty_snapshot
from perfgate.core.model import EndpointStats, Snapshot
from perfgate.report import console, result_json
from perfgate.report.output import Destinations, deliver
from perfgate.store.results import read_baseline

PROFILE = """version: 1
settings: { warmup: 0s }
global: { error_rate: "< 1%" }
default: { p95: "< 500ms", p99: "< 2s", error_rate: "< 1%" }
regression:
  default: { p95: "+20%" }
"""
SNAPSHOTS = 40  # cumulative snapshots the monitor sees before the final one (its windows fill up)


def lognormal_histogram(median_ms: float, sigma: float, requests: int) -> dict[float, int]:
    """Expected counts of perfgate's buckets for `requests` lognormal response times."""
    histogram: dict[float, int] = {}
    value, previous_share = 0.05, 0.0
    while value < median_ms * math.exp(7 * sigma):
        upper = value + bucket_width_ms(value) / 2
        share = statistics.NormalDist().cdf((math.log(upper) - math.log(median_ms)) / sigma)
        count = round((share - previous_share) * requests)
        if count:
            histogram[round(value, 6)] = count
        previous_share = share
        value += bucket_width_ms(value)
    return histogram


def synthetic_final(endpoints: int, requests: int, slower: float, duration_s: float) -> Snapshot:
    stats: dict[str, EndpointStats] = {}
    total = EndpointStats("", "Aggregated")
    for index in range(endpoints):
        histogram = lognormal_histogram((20 + index % 50) * slower, 0.5, requests)
        entry = EndpointStats("GET", f"/api/v1/resource-{index}", sum(histogram.values()), 0, histogram)
        entry.total_response_time = sum(bucket * count for bucket, count in histogram.items())
        entry.min_response_time, entry.max_response_time = min(histogram), max(histogram)
        stats[entry.key] = entry
        total.requests += entry.requests
        for bucket, count in histogram.items():
            total.histogram[bucket] = total.histogram.get(bucket, 0) + count
    return Snapshot(stats, total, duration_s, duration_s)


def scaled(final: Snapshot, share: float) -> Snapshot:
    """A cumulative snapshot `share` of the way through the run."""

    def part(entry: EndpointStats) -> EndpointStats:
        histogram = {bucket: int(count * share) for bucket, count in entry.histogram.items() if int(count * share)}
        return EndpointStats(entry.method, entry.name, sum(histogram.values()), 0, histogram)

    endpoints = {key: part(entry) for key, entry in final.endpoints.items()}
    return Snapshot(endpoints, part(final.total), final.duration_s * share, final.at_s * share)


def _monitor(profile: Any, final: Snapshot) -> tuple[LiveMonitor, list[float]]:
    monitor = LiveMonitor(profile)
    monitor.start_measurement(empty_snapshot())
    costs = []
    for step in range(1, SNAPSHOTS + 1):
        snapshot = scaled(final, step / (SNAPSHOTS + 1))
        began = time.perf_counter()
        monitor.observe(snapshot, 100)
        costs.append(time.perf_counter() - began)
    return monitor, costs


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    endpoints, requests = (20, 10_000) if quick else (200, 1_000_000)
    duration = 1800.0
    profile_path = folder / "scale.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    profile_path.write_text(PROFILE)
    profile = load_profile(str(profile_path))
    facts = RunFacts("2026-01-01T00:00:00+00:00", duration, "http://127.0.0.1:8000", {}, {"users": 100})
    baseline_final = synthetic_final(endpoints, requests, 1.0, duration)
    baseline_monitor, _ = _monitor(profile, baseline_final)
    baseline_file = folder / "baseline.json"
    result_json.write(assemble(profile, baseline_monitor, baseline_final, facts, None), folder)
    (folder / "result.json").rename(baseline_file)
    baseline = read_baseline(baseline_file)
    current = synthetic_final(endpoints, requests, 1.1, duration)
    timings: dict[str, list[float]] = {"evaluate_and_compare": [], "reports": [], "total": []}
    interval_costs: list[float] = []
    for _ in range(1 if quick else 3):
        monitor, costs = _monitor(profile, current)
        interval_costs += costs
        began = time.perf_counter()
        result = assemble(profile, monitor, current, facts, baseline)
        judged = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=folder) as report_dir:
            deliver(result, Destinations(Path(report_dir), publish=False))
            console.render(result)
            sizes = {path.name: path.stat().st_size for path in Path(report_dir).iterdir()}
        done = time.perf_counter()
        timings["evaluate_and_compare"].append(judged - began)
        timings["reports"].append(done - judged)
        timings["total"].append(done - began)
    return {
        "endpoints": endpoints,
        "requests_per_endpoint": requests,
        "buckets_per_endpoint": round(statistics.mean(len(e.histogram) for e in current.endpoints.values())),
        "checks": len(result.checks),
        "verdict": result.verdict,
        "seconds_median": {name: round(statistics.median(values), 3) for name, values in timings.items()},
        "live_interval_seconds_median": round(statistics.median(interval_costs), 4),
        "report_bytes": sizes,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def summary(data: dict[str, Any]) -> list[str]:
    seconds = data["seconds_median"]
    sizes = data["report_bytes"]
    return [
        f"{data['endpoints']} endpoints x {data['requests_per_endpoint']:,} requests"
        f" (~{data['buckets_per_endpoint']} buckets each), {data['checks']} checks incl. the baseline comparison:"
        f" evaluation and comparison {seconds['evaluate_and_compare']:.2f} s, every report {seconds['reports']:.2f} s,"
        f" total {seconds['total']:.2f} s (median; goal under 1 s).",
        f"One live-loop interval over those stats: {data['live_interval_seconds_median']:.3f} s."
        f" result.json {sizes.get('result.json', 0) / 1e6:.1f} MB,"
        f" report.html {sizes.get('report.html', 0) / 1e6:.2f} MB;"
        f" peak memory of the benchmark process {data['max_rss_mb']} MB.",
    ]
