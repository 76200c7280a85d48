"""Distributed throughput and the plugin's cost on the master, on this machine.

1. requests/s of the main job (locustfiles/ci.py) with 1, 2 and 4 worker processes against the
   demo API, all on this machine (the demo API competes with them for the same cores);
2. the master's CPU (user + system seconds per second of run, from its rusage) with a bare Locust
   locustfile versus the same users with perfgate loaded and a profile judged, 2 workers each,
   measured in the same invocation and reported as a ratio.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import BENCH_LOCUSTFILES, REPO, LocustCommand, LocustRun, run_locust
from perfgate.demo.launcher import start_demo_api


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
            for n in ((1, 2) if quick else (1, 2, 4))
        }
        profile = ["--thresholds", str(BENCH_LOCUSTFILES / "gated.yaml")]
        arms = {"bare": ("bare.py", []), "perfgate": ("gated.py", profile)}
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
    finally:
        demo.stop()
    master["master_cpu_ratio"] = round(
        master["perfgate"]["master_cpu_percent"] / max(master["bare"]["master_cpu_percent"], 0.1), 2
    )
    return {"users": users, "run_time_s": run_time, "ci_job": scaling, "master": master}


def summary(data: dict[str, Any]) -> list[str]:
    scaling = ", ".join(f"{name}: {row['rps']:.0f} requests/s" for name, row in data["ci_job"].items())
    master = data["master"]
    return [
        f"Main job, {data['users']} users, {data['run_time_s']} s: {scaling}.",
        f"Master CPU with 2 workers: bare Locust {master['bare']['master_cpu_percent']}%,"
        f" with perfgate {master['perfgate']['master_cpu_percent']}% (x{master['master_cpu_ratio']}),"
        f" at {master['bare']['rps']:.0f} vs {master['perfgate']['rps']:.0f} requests/s.",
    ]
