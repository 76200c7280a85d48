"""8. A master with many workers, simulated: a real master (`locust --master --headless`), bare or
with perfgate judging ~20 checks (benchmarks/locustfiles/master.yaml), and N fake workers
(benchmarks/fake_workers.py) that speak Locust's own protocol and replay the stats messages of a
real worker of the CI job, recorded first and bucketed both ways: Locust's and perfgate's.

Per N, both arms measured in the same run: the master's CPU over the steady part of the run (the
first seconds of connecting and spawning are left out), its CPU per stats message, how late it
handles a message (the fake workers stamp when they sent it), the bytes of a stats message, and
with perfgate its live loop's time per interval and the verdict's time (from result.json). A master
keeps up while it handles each message well within the 3 s a worker waits between two.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks.harness import BENCH_LOCUSTFILES, REPO, LocustCommand, kill_group, run_locust, spread
from perfgate.demo.launcher import start_demo_api

WORKER_COUNTS = (10, 50, 100, 200, 400, 800)
PAIRS = {100: 5}  # the goal's N: pairs alternated, the median one reported (one pair alone ranged x1.13-1.32)
REPORT_INTERVAL_S = 3.0  # Locust's WORKER_REPORT_INTERVAL
USERS_PER_WORKER = 5
SETTLE_S = 8.0  # connecting, spawning: left out of the CPU figures
KEEPS_UP_S = 1.0  # a master that handles every message within this is not falling behind
ARMS = {"bare": [], "perfgate": ["--thresholds", str(BENCH_LOCUSTFILES / "master.yaml")]}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    counts, run_time = ((5,), 6) if quick else (WORKER_COUNTS, 36)
    payloads = record_payloads(folder / "recorded", 7 if quick else 24)
    figures: dict[str, Any] = {"run_time_s": run_time, "message_bytes": message_bytes(payloads), "workers": {}}
    for count in counts:
        pairs = [
            {arm: simulate(arm, count, run_time, payloads, folder / f"{count}-{arm}-{index}") for arm in ARMS}
            for index in range(PAIRS.get(count, 1))
        ]
        pairs.sort(key=_cpu_ratio)
        median = pairs[len(pairs) // 2]
        row = median | {"cpu_ratio": round(_cpu_ratio(median), 3)}
        if len(pairs) > 1:
            row["cpu_ratios"] = spread([_cpu_ratio(pair) for pair in pairs])
        figures["workers"][str(count)] = row
    figures["keeps_up_to"] = {
        arm: max((int(n) for n, row in figures["workers"].items() if row[arm]["keeps_up"]), default=0) for arm in ARMS
    }
    return figures


def _cpu_ratio(pair: dict[str, Any]) -> float:
    return pair["perfgate"]["master_cpu_percent"] / max(pair["bare"]["master_cpu_percent"], 0.1)


def record_payloads(folder: Path, seconds: int) -> Path:
    """The CI job run locally for `seconds`, its requests kept and cut into worker stats messages."""
    recording = folder / "payloads.msgpack"
    demo = start_demo_api()
    try:
        command = LocustCommand(BENCH_LOCUSTFILES / "recording.py", demo.url, 50, seconds, spawn_rate=25)
        command.env["PERFGATE_RECORDING"] = str(recording)
        run_locust(command, folder)
    finally:
        demo.stop()
    return recording


def message_bytes(payloads: Path) -> dict[str, Any]:
    import msgpack

    recorded = msgpack.loads(payloads.read_bytes(), strict_map_key=False)
    sizes = {
        arm: [len(msgpack.dumps(("stats", message, "worker"))) for message in messages]
        for arm, messages in recorded.items()
    }
    median = {arm: statistics.median(values) for arm, values in sizes.items() if values}
    return {"median": median, "ratio": round(median["perfgate"] / median["bare"], 2) if median.get("bare") else None}


def simulate(arm: str, workers: int, run_time: int, payloads: Path, folder: Path) -> dict[str, Any]:
    from tests.processes import free_port

    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    users = workers * USERS_PER_WORKER
    lateness, sent_file, reports = folder / "lateness.json", folder / "sent.json", folder / "reports"
    master_command = [
        *(
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(BENCH_LOCUSTFILES / f"master_{'gated' if arm == 'perfgate' else 'bare'}.py"),
        ),
        *(
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--headless",
            "--only-summary",
        ),
        *("--expect-workers", str(workers), "--expect-workers-max-wait", "60", "-u", str(users), "-r", str(users)),
        *("-t", f"{run_time}s", "-H", "http://127.0.0.1:9"),
        *(["--report-dir", str(reports), *ARMS[arm]] if arm == "perfgate" else []),
    ]
    spawn = {"stdin": subprocess.DEVNULL, "start_new_session": True}
    env = {**os.environ, "PERFGATE_LATENESS": str(lateness)}
    log = (folder / "master.log").open("wb")
    master = subprocess.Popen(master_command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env, **spawn)
    fake_command = [
        *(sys.executable, "-m", "benchmarks.fake_workers", "--port", str(port), "--workers", str(workers)),
        *("--payloads", str(payloads), "--arm", arm, "--out", str(sent_file), "--timeout", str(run_time + 60)),
    ]
    fake_log = (folder / "fake_workers.log").open("wb")
    fakes = subprocess.Popen(fake_command, cwd=REPO, stdout=fake_log, stderr=subprocess.STDOUT, **spawn)
    watchdog = threading.Timer(run_time + 90, lambda: [kill_group(p) for p in (master, fakes)])
    watchdog.start()
    try:
        cpu = _steady_cpu(master, run_time)
        master.wait()
        fakes.wait()
    finally:
        watchdog.cancel()
        for process in (master, fakes):
            kill_group(process)
        log.close()
        fake_log.close()
    handled = json.loads(lateness.read_text()) if lateness.is_file() else []
    late = [seconds for _, seconds in handled]
    in_window = sum(cpu["from"] <= when <= cpu["to"] for when, _ in handled)
    sent = json.loads(sent_file.read_text())["sent"] if sent_file.is_file() else {}
    row: dict[str, Any] = {
        "exit_code": master.returncode,
        "master_cpu_percent": round(cpu["percent"], 1),
        "stats_messages": len(late),
        "stats_sent": sent.get("stats", 0),
        "cpu_ms_per_message": round(cpu["seconds"] * 1000 / max(1, in_window), 3),
        "late_ms": spread([value * 1000 for value in late], 1),
        "keeps_up": bool(late) and max(late) < KEEPS_UP_S and cpu["percent"] < 90,
    }
    result = reports / "result.json"
    if arm == "perfgate" and result.is_file():
        measured = json.loads(result.read_text()).get("measurement", {})
        row |= {"live_loop_ms": measured.get("live_loop"), "verdict_ms": measured.get("verdict_ms")}
    return row


def _steady_cpu(master: subprocess.Popen[bytes], run_time: int) -> dict[str, float]:
    """The master's CPU from SETTLE_S after the start to 2 s before the planned end, and that
    window in wall-clock time (to count the messages handled in it)."""
    process = psutil.Process(master.pid)
    time.sleep(SETTLE_S)
    try:
        began, wall, first = time.monotonic(), time.time(), sum(process.cpu_times()[:2])
        time.sleep(max(1.0, run_time - SETTLE_S - 2))
        elapsed, used = time.monotonic() - began, sum(process.cpu_times()[:2]) - first
    except psutil.Error:
        return {"percent": 0.0, "seconds": 0.0, "from": 0.0, "to": 0.0}
    return {"percent": used / elapsed * 100, "seconds": used, "from": wall, "to": wall + elapsed}


def summary(data: dict[str, Any]) -> list[str]:
    size = data["message_bytes"]
    lines = [
        f"Stats message of a CI-job worker (3 s): {size['median'].get('bare', 0):.0f} bytes with Locust's buckets,"
        f" {size['median'].get('perfgate', 0):.0f} with perfgate's (x{size['ratio']}).",
        "",
        "| workers | master CPU bare / perfgate | ratio | CPU per message, ms bare / perfgate |"
        " handled late, ms max bare / perfgate | live loop ms (median / max) | verdict ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, row in data["workers"].items():
        bare, gated = row["bare"], row["perfgate"]
        loop = gated.get("live_loop") or gated.get("live_loop_ms") or {}
        lines.append(
            f"| {count} | {bare['master_cpu_percent']}% / {gated['master_cpu_percent']}% | x{row['cpu_ratio']} |"
            f" {bare['cpu_ms_per_message']} / {gated['cpu_ms_per_message']} |"
            f" {bare['late_ms'].get('max', '-')} / {gated['late_ms'].get('max', '-')} |"
            f" {loop.get('work_ms_median', '-')} / {loop.get('work_ms_max', '-')} | {gated.get('verdict_ms', '-')} |"
        )
    for count, row in data["workers"].items():
        if "cpu_ratios" in row:
            ratios = row["cpu_ratios"]
            lines.append(
                f"At {count} workers, {PAIRS.get(int(count), 1)} pairs alternated: CPU ratio min / median / max"
                f" x{ratios['min']} / x{ratios['median']} / x{ratios['max']} (the table shows the median pair)."
            )
    keeps = data["keeps_up_to"]
    lines.append(
        f"Keeps up (every message handled within {KEEPS_UP_S:g} s, CPU below 90%) up to {keeps['bare']} workers bare,"
        f" {keeps['perfgate']} with perfgate, of those measured."
    )
    return lines
