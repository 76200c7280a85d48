"""2. How exact perfgate's percentiles are: every raw response time is recorded on the worker (a
request listener) and exact p50/p95/p99/p99.9 are compared with what perfgate reports from the
master's merged histograms, and with what Locust's own rounding would have given on the same
requests. Also the size of the worker-to-master stats messages with Locust's buckets (bare
Locust) and with perfgate's, from the bytes each worker serialized."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.harness import BENCH_LOCUSTFILES, LocustCommand, run_locust, spread
from perfgate.core.model import EndpointStats, histogram_of
from perfgate.demo.launcher import start_demo_api

QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99, "p99.9": 0.999}
MIN_REQUESTS = 1000  # p99.9 means little on fewer
QUICK_MIN_REQUESTS = 100  # --quick checks the harness: a busy CI machine sends ~900 a second-busiest endpoint


def exact_percentile(times: list[float], quantile: float) -> float:
    """The order statistic Locust's percentile reads, from the raw times."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * quantile))]


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    users, run_time = (5, 4) if quick else (10, 20)
    demo = start_demo_api()
    try:
        runs = {}
        for arm, locustfile, extra in (
            ("locust_buckets", "recorded.py", []),
            ("perfgate_buckets", "recorded_gated.py", ["--thresholds", str(BENCH_LOCUSTFILES / "accuracy.yaml")]),
        ):
            raw = folder / arm / "raw"
            command = LocustCommand(
                BENCH_LOCUSTFILES / locustfile,
                demo.url,
                users,
                run_time,
                workers=1,
                user_classes=["SaturatingReader"],
                extra=extra,
                env={"PERFGATE_BENCH_RAW": str(raw)},
            )
            runs[arm] = (run_locust(command, folder / arm), _recorded(raw.parent))
    finally:
        demo.stop()
    gated_run, gated_raw = runs["perfgate_buckets"]
    return {
        "users": users,
        "run_time_s": run_time,
        "errors": _errors(gated_run.result, gated_raw, QUICK_MIN_REQUESTS if quick else MIN_REQUESTS),
        "stats_messages": {arm: _message_sizes(raw, run.elapsed_s) for arm, (run, raw) in runs.items()},
    }


def _recorded(folder: Path) -> dict[str, Any]:
    """The worker's record (the master sees no requests and writes none)."""
    records = [json.loads(path.read_text()) for path in sorted(folder.glob("raw-*.json"))]
    merged: dict[str, Any] = {"times": {}, "stats_message_bytes": [], "locust_buckets": {}}
    for record in records:
        merged["stats_message_bytes"] += record["stats_message_bytes"]
        merged["locust_buckets"] |= record["locust_buckets"]
        for key, times in record["times"].items():
            merged["times"].setdefault(key, []).extend(times)
    return merged


def _errors(result: dict[str, Any], raw: dict[str, Any], min_requests: int) -> dict[str, Any]:
    per_endpoint = {}
    for key, times in raw["times"].items():
        stored = result["endpoints"].get(key)
        if stored is None or len(times) < min_requests:
            continue
        reported = EndpointStats("", key, histogram=histogram_of(stored["histogram"]))
        perfgate_values = reported.percentiles(tuple(QUANTILES.values()))
        row: dict[str, Any] = {"requests_recorded": len(times), "requests_reported": stored["requests"]}
        for (label, quantile), value in zip(QUANTILES.items(), perfgate_values, strict=True):
            exact = exact_percentile(times, quantile)
            locust = raw["locust_buckets"][key][str(quantile)]
            row[label] = {
                "exact_ms": round(exact, 3),
                "perfgate_ms": value,
                "locust_ms": locust,
                "perfgate_error_percent": round(abs(value - exact) / exact * 100, 2),
                "locust_error_percent": round(abs(locust - exact) / exact * 100, 2),
            }
        per_endpoint[key] = row
    errors = {
        arm: [row[label][f"{arm}_error_percent"] for row in per_endpoint.values() for label in QUANTILES]
        for arm in ("perfgate", "locust")
    }
    return {
        "endpoints": per_endpoint,
        "perfgate_error_percent": spread(errors["perfgate"], 2),
        "locust_error_percent": spread(errors["locust"], 2),
    }


def _message_sizes(raw: dict[str, Any], elapsed_s: float) -> dict[str, Any]:
    sizes = raw["stats_message_bytes"]
    return {
        "messages": len(sizes),
        "bytes": spread([float(size) for size in sizes], 0),
        "bytes_per_second": round(sum(sizes) / elapsed_s) if elapsed_s else 0,
    }


def summary(data: dict[str, Any]) -> list[str]:
    errors = data["errors"]
    lines = [
        "| endpoint | requests | quantile | exact ms | perfgate ms (error) | Locust's rounding ms (error) |",
        "|---|---|---|---|---|---|",
    ]
    for key, row in errors["endpoints"].items():
        for label in QUANTILES:
            cell = row[label]
            lines.append(
                f"| {key} | {row['requests_reported']} | {label} | {cell['exact_ms']} |"
                f" {cell['perfgate_ms']} ({cell['perfgate_error_percent']}%) |"
                f" {cell['locust_ms']} ({cell['locust_error_percent']}%) |"
            )
    worst = errors["perfgate_error_percent"].get("max", 0)
    locust_worst = errors["locust_error_percent"].get("max", 0)
    messages = data["stats_messages"]
    bare, gated = messages["locust_buckets"], messages["perfgate_buckets"]
    lines += [
        "",
        f"Largest error: perfgate {worst}%, Locust's rounding {locust_worst}% (goal: perfgate within 1%).",
        f"Worker stats messages (median bytes): {bare['bytes'].get('median', 0):.0f} with Locust's buckets,"
        f" {gated['bytes'].get('median', 0):.0f} with perfgate's"
        f" ({_ratio(gated['bytes'].get('median', 0), bare['bytes'].get('median', 0))});"
        f" {bare['bytes_per_second']} vs {gated['bytes_per_second']} bytes/s per worker.",
    ]
    return lines


def _ratio(after: float, before: float) -> str:
    return f"x{after / before:.2f}" if before else "n/a"
