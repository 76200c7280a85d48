"""Distributed throughput and the plugin's cost on the master, on this machine.

    python -m benchmarks.distributed [--users 60] [--run-time 20]

1. requests/s of the main job (locustfiles/ci.py) with 1, 2 and 4 worker processes against the
   demo API, all on this machine (the demo API competes with them for the same cores);
2. the master's CPU (user + system seconds per second of run, from its rusage) with a bare Locust
   locustfile versus the same users with perfgate loaded and a profile judged, 2 workers each,
   measured in the same invocation and reported as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfgate.demo.launcher import start_demo_api
from tests.processes import free_port

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def run(locustfile: Path, workers: int, host: str, users: int, run_time: int, extra: list[str]) -> dict[str, float]:
    """Master + workers; returns requests/s (from Locust's CSV totals) and the master's CPU share."""
    port = str(free_port())
    with tempfile.TemporaryDirectory() as folder:
        csv = str(Path(folder) / "run")
        base = [sys.executable, "-m", "locust", "-f", str(locustfile)]
        master = subprocess.Popen(
            [
                *base,
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                port,
                "--headless",
                "--only-summary",
                "--expect-workers",
                str(workers),
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{run_time}s",
                "-H",
                host,
                "--csv",
                csv,
                *extra,
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = [
            subprocess.Popen(
                [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        begun = time.monotonic()
        try:
            _, _, usage = os.wait4(master.pid, 0)
            elapsed = time.monotonic() - begun
        finally:
            for process in [master, *started]:
                if process.poll() is None:
                    process.kill()
                process.wait()
        rows = (Path(csv + "_stats.csv")).read_text().splitlines()
        total = next(row for row in rows if ",Aggregated," in row).split(",")
        return {
            "rps": round(float(total[9]), 1),
            "requests": int(total[2]),
            "master_cpu_percent": round((usage.ru_utime + usage.ru_stime) / elapsed * 100, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--run-time", type=int, default=20)
    args = parser.parse_args()
    demo = start_demo_api()
    try:
        scaling = {
            f"{n} workers": run(REPO / "locustfiles" / "ci.py", n, demo.url, args.users, args.run_time, [])
            for n in (1, 2, 4)
        }
        profile = ["--thresholds", str(HERE / "locustfiles" / "gated.yaml")]
        bare = run(HERE / "locustfiles" / "bare.py", 2, demo.url, args.users, args.run_time, [])
        gated = run(HERE / "locustfiles" / "gated.py", 2, demo.url, args.users, args.run_time, profile)
    finally:
        demo.stop()
    overhead = {
        "bare": bare,
        "perfgate": gated,
        "master_cpu_ratio": round(gated["master_cpu_percent"] / max(bare["master_cpu_percent"], 0.1), 2),
    }
    print(
        json.dumps({"users": args.users, "run_time_s": args.run_time, "ci_job": scaling, "master": overhead}, indent=2)
    )


if __name__ == "__main__":
    main()
