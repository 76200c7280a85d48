"""1. What perfgate costs the generator: bare Locust against Locust with perfgate judging a
16-check profile (live loop, windows, warm-up, time line), same users, same demo API, run in pairs
A B, B A, A B, ... so that drift hits both arms alike and neither arm always runs first. Reported per
pair as a ratio."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from benchmarks.harness import BENCH_LOCUSTFILES, LocustCommand, run_locust, spread
from perfgate.demo.launcher import start_demo_api

SETUPS = {
    # name: (user class, users, profile, pairs, run time s)
    "FastHttpUser at saturation, /healthz": ("HealthzSaturator", 20, "healthz.yaml", 21, 12),
    "FastHttpUser at saturation, the API": ("SaturatingReader", 20, "overhead.yaml", 5, 15),
    "HttpUser at the CI load": ("PacedReader", 50, "overhead.yaml", 5, 15),
}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    demo = start_demo_api()
    try:
        return {
            name: _pairs(name, user_class, users, profile, *((1, 3) if quick else (pairs, run_time)), demo.url, folder)
            for name, (user_class, users, profile, pairs, run_time) in SETUPS.items()
        }
    finally:
        demo.stop()


def _pairs(
    name: str, user_class: str, users: int, profile: str, pairs: int, run_time: int, host: str, folder: Path
) -> dict[str, Any]:
    runs: dict[str, list[Any]] = {"bare": [], "perfgate": []}
    arms = (
        ("bare", "bare.py", []),
        ("perfgate", "gated.py", ["--thresholds", str(BENCH_LOCUSTFILES / profile)]),
    )
    for index in range(pairs):
        for arm, locustfile, extra in arms if index % 2 == 0 else arms[::-1]:
            command = LocustCommand(BENCH_LOCUSTFILES / locustfile, host, users, run_time, None, 0, [user_class], extra)
            runs[arm].append(run_locust(command, folder / user_class / f"{arm}-{index}"))
    ratios = [b.rps / a.rps for a, b in zip(runs["bare"], runs["perfgate"], strict=True) if a.rps]
    cost = [
        (b.cpu_s / b.requests) / (a.cpu_s / a.requests)
        for a, b in zip(runs["bare"], runs["perfgate"], strict=True)
        if a.requests and b.requests
    ]
    return {
        "users": users,
        "user_class": user_class,
        "run_time_s": run_time,
        "pairs": pairs,
        "rps": {arm: [round(r.rps, 1) for r in arm_runs] for arm, arm_runs in runs.items()},
        "cpu_percent": {arm: [r.cpu_percent for r in arm_runs] for arm, arm_runs in runs.items()},
        "perfgate_exit_codes": [r.returncode for r in runs["perfgate"]],
        "rps_ratio": spread(ratios),
        "cpu_per_request_ratio": spread(cost),
    }


def summary(data: dict[str, Any]) -> list[str]:
    lines = [
        "| setup | pairs | rps bare (median) | rps perfgate (median) | rps ratio min / median / max |"
        " CPU % bare / perfgate (median) | CPU per request, ratio (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in data.items():
        ratio = row["rps_ratio"]
        lines.append(
            f"| {name} ({row['users']} users) | {row['pairs']} | {statistics.median(row['rps']['bare']):.0f} |"
            f" {statistics.median(row['rps']['perfgate']):.0f} |"
            f" {ratio.get('min', 0):.3f} / {ratio.get('median', 0):.3f} / {ratio.get('max', 0):.3f} |"
            f" {statistics.median(row['cpu_percent']['bare']):.0f} /"
            f" {statistics.median(row['cpu_percent']['perfgate']):.0f} |"
            f" {row['cpu_per_request_ratio'].get('median', 0):.3f} |"
        )
    return lines
