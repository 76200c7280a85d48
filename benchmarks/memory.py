"""3b. Memory over a long run: bare Locust and Locust with perfgate (the 16-check profile) run side
by side for the same minutes against one demo API, the resident memory of each process sampled
every few seconds. Reported: memory after the first minute, at the end, and the growth per
10 minutes after the first minute, for both (Locust itself keeps a little per second)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks.harness import BENCH_LOCUSTFILES, LocustCommand, kill_group
from perfgate.demo.launcher import start_demo_api

ARMS = {"bare": ("bare.py", []), "perfgate": ("gated.py", ["--thresholds", str(BENCH_LOCUSTFILES / "overhead.yaml")])}


def measure(quick: bool, folder: Path, minutes: float = 30.0) -> dict[str, Any]:
    minutes = 0.15 if quick else minutes
    every_s = 1.0 if quick else 10.0
    demo = start_demo_api()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    samples: dict[str, list[tuple[float, float]]] = {arm: [] for arm in ARMS}
    try:
        for arm, (locustfile, extra) in ARMS.items():
            command = LocustCommand(
                BENCH_LOCUSTFILES / locustfile, demo.url, 20, minutes * 60, None, 0, ["ApiReader"], extra
            )
            (folder / arm).mkdir(parents=True, exist_ok=True)
            processes[arm] = subprocess.Popen(
                command.main(folder / arm / "locust", None),
                cwd=folder / arm,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        began = time.monotonic()
        deadline = began + minutes * 60 + 60
        while any(p.poll() is None for p in processes.values()) and time.monotonic() < deadline:
            for arm, process in processes.items():
                try:
                    rss = psutil.Process(process.pid).memory_info().rss / 2**20
                except psutil.NoSuchProcess:
                    continue
                samples[arm].append((round(time.monotonic() - began, 1), round(rss, 1)))
            time.sleep(every_s)
    finally:
        for process in processes.values():
            kill_group(process)
            process.wait()
        demo.stop()
    return {"minutes": minutes, "users_each": 20, **{arm: _growth(points) for arm, points in samples.items()}}


def _growth(points: list[tuple[float, float]]) -> dict[str, Any]:
    """RSS after the first minute (or the first tenth of a short run) and its growth after that."""
    if len(points) < 2:
        return {"samples": len(points)}
    settle = min(60.0, points[-1][0] / 10)
    steady = [(t, rss) for t, rss in points if t >= settle] or points
    (t0, first), (t1, last) = steady[0], steady[-1]
    return {
        "samples": len(points),
        "rss_mb_after_settling": first,
        "rss_mb_end": last,
        "rss_mb_peak": max(rss for _, rss in points),
        "growth_mb_per_10_min": round((last - first) / (t1 - t0) * 600, 2) if t1 > t0 else 0.0,
    }


def summary(data: dict[str, Any]) -> list[str]:
    lines = [
        f"{data['minutes']:g} minutes, {data['users_each']} users each, side by side:",
        "",
        "| process | RSS after the first minute (MB) | at the end (MB) | growth per 10 min (MB) |",
        "|---|---|---|---|",
    ]
    for arm in ARMS:
        row = data[arm]
        lines.append(
            f"| {arm} | {row.get('rss_mb_after_settling', 'n/a')} | {row.get('rss_mb_end', 'n/a')} |"
            f" {row.get('growth_mb_per_10_min', 'n/a')} |"
        )
    return lines
