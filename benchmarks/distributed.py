"""Distributed throughput and the plugin's cost on the master, on this machine.

1. requests/s of the main job (locustfiles/ci.py) with 1, 2 and 4 worker processes against the
   demo API, all on this machine (the demo API competes with them for the same cores);
2. the master's CPU (user + system seconds per second of run, from its rusage) with a bare Locust
   locustfile versus the same users with perfgate loaded and a profile judged, 2 workers each,
   measured in the same invocation and reported as a ratio;
3. a load shape that changes its users every second (a spawn message to each worker every time),
   2 workers, bare Locust and perfgate taking turns: requests/s, p99.9 and the slowest request.
   Locust's worker stalls 120-250 ms on each spawn message, which perfgate's patches remove
   (docs/design/locust.md).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from benchmarks.harness import BENCH_LOCUSTFILES, REPO, LocustCommand, LocustRun, aggregated, run_locust, spread
from perfgate.demo.launcher import start_demo_api

GATED = ["--thresholds", str(BENCH_LOCUSTFILES / "gated.yaml")]
HEALTHZ = ["--thresholds", str(BENCH_LOCUSTFILES / "healthz.yaml")]
SHAPE_ARMS = {"bare": ("stepping.py", []), "perfgate": ("stepping_gated.py", HEALTHZ)}
SHAPE_METRICS = ("rps", "p99.9_ms", "max_ms")


def _row(run: LocustRun) -> dict[str, float]:
    return {"rps": round(run.rps, 1), "requests": run.requests, "master_cpu_percent": run.cpu_percent}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    users, run_time = (20, 3) if quick else (300, 20)
    demo = start_demo_api()
    try:
        scaling = {
            f"{n} workers": _row(
                run_locust(
                    LocustCommand(REPO / "locustfiles" / "ci.py", demo.url, users, run_time, workers=n),
                    folder / f"ci-{n}",
                )
            )
            for n in ((2,) if quick else (1, 2, 4))
        }
        arms = {"bare": ("bare.py", []), "perfgate": ("gated.py", GATED)}
        master = {
            arm: _row(
                run_locust(
                    LocustCommand(
                        BENCH_LOCUSTFILES / locustfile, demo.url, users, run_time, None, 2, ["ApiReader"], extra
                    ),
                    folder / f"master-{arm}",
                )
            )
            for arm, (locustfile, extra) in arms.items()
        }
        shape = _shape_changes(quick, demo.url, folder)
    finally:
        demo.stop()
    master["master_cpu_ratio"] = round(
        master["perfgate"]["master_cpu_percent"] / max(master["bare"]["master_cpu_percent"], 0.1), 2
    )
    return {"users": users, "run_time_s": run_time, "ci_job": scaling, "master": master, "shape_changes": shape}


def _shape_changes(quick: bool, host: str, folder: Path) -> dict[str, Any]:
    """Rounds of bare Locust then perfgate under stepping.py's shape, 2 workers each."""
    rounds, run_time = (1, 3) if quick else (3, 20)
    runs: dict[str, dict[str, list[float]]] = {arm: {metric: [] for metric in SHAPE_METRICS} for arm in SHAPE_ARMS}
    for index in range(rounds):
        for arm, (locustfile, extra) in SHAPE_ARMS.items():
            command = LocustCommand(BENCH_LOCUSTFILES / locustfile, host, 16, run_time, None, 2, [], extra)
            run = run_locust(command, folder / f"shape-{arm}-{index}")
            total = aggregated(run.folder / "locust_stats.csv")
            measured = {"rps": run.rps, "p99.9_ms": total.get("99.9%"), "max_ms": total.get("Max Response Time")}
            for metric, value in measured.items():
                with contextlib.suppress(TypeError, ValueError):  # no requests: Locust writes N/A or nothing
                    runs[arm][metric].append(round(float(value), 1))
    figures = {arm: {metric: spread(values) for metric, values in by_metric.items()} for arm, by_metric in runs.items()}
    ratios = {
        metric: round(figures["perfgate"][metric]["median"] / figures["bare"][metric]["median"], 3)
        for metric in SHAPE_METRICS
        if figures["perfgate"][metric] and figures["bare"][metric].get("median")
    }
    return {"rounds": rounds, "run_time_s": run_time, **figures, "perfgate_over_bare": ratios}


def summary(data: dict[str, Any]) -> list[str]:
    scaling = ", ".join(f"{name}: {row['rps']:.0f} requests/s" for name, row in data["ci_job"].items())
    master = data["master"]
    return [
        f"Main job, {data['users']} users, {data['run_time_s']} s: {scaling}.",
        f"Master CPU with 2 workers: bare Locust {master['bare']['master_cpu_percent']}%,"
        f" with perfgate {master['perfgate']['master_cpu_percent']}% (x{master['master_cpu_ratio']}),"
        f" at {master['bare']['rps']:.0f} vs {master['perfgate']['rps']:.0f} requests/s.",
        _shape_summary(data["shape_changes"]),
    ]


def _shape_summary(shape: dict[str, Any]) -> str:
    def arm(name: str) -> str:
        row = shape[name]
        return ", ".join(
            f"{metric} {row[metric]['min']:g} / {row[metric]['median']:g} / {row[metric]['max']:g}"
            for metric in SHAPE_METRICS
            if row[metric]
        )

    ratios = ", ".join(f"{metric} x{ratio}" for metric, ratio in shape["perfgate_over_bare"].items())
    return (
        f"A shape changing 16/18 paced users on /healthz every second, 2 workers,"
        f" {shape['rounds']} rounds of {shape['run_time_s']} s (min / median / max): bare Locust {arm('bare')};"
        f" perfgate {arm('perfgate')}; perfgate / bare: {ratios}."
    )
