"""Distributed runs by hand: a headless master and worker processes on 127.0.0.1 give the verdict of
a local run, only the master judges and reports, and a worker lost mid-run makes the run
inconclusive, named in the verdict."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from perfgate.locust import MASTER_LOST_AFTER_S
from tests.integration.test_gate import gate, write_profile
from tests.processes import LOCUSTFILES, forked_workers, free_port, run_locust, stop_processes

CI = LOCUSTFILES / "ci.py"
# what Locust's master logs when spawning is done: the second when the workers' own user counts reach
# it more than 1 s after the last spawn message (LOCUST_WAIT_FOR_WORKERS_REPORT_AFTER_RAMP_UP), as
# every master's did in CI runs while workers stalled at spawn messages (fixed in locust/patches.py;
# a busy machine can still delay them)
SPAWNED = ("All users spawned", "Spawning is complete and report waittime is expired")
PROFILE = (
    "version: 1\nload: {users: 20, spawn_rate: 20, run_time: %s}\nsettings: {warmup: spawn}\n"
    'global: {error_rate: "< 1%%"}\n'
    'endpoints:\n  "GET /api/v1/projects": { p95: "< 500ms" }\n  "POST /api/v1/builds": { p95: "< 1200ms" }\n'
)


def locust(cwd: Path, *args: str) -> subprocess.Popen:
    cwd.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "locust", "-f", str(CI), *args]
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def distributed(
    tmp_path: Path,
    host: str,
    profile: Path,
    workers: int = 2,
    kill_after_s: float | None = None,
    how=signal.SIGKILL,
    expect: int | None = None,
    max_wait_s: int = 30,
    resume_after_s: float | None = None,
):
    """Master and `workers` worker processes; returns (master exit code, master stderr, result,
    worker exit codes). With kill_after_s, the first worker gets `how` that long after every user
    was spawned (not after the processes started: on a busy machine a worker frozen before it
    connected is no worker lost, the run just starts later), and with resume_after_s SIGCONT that
    long after that."""
    port = str(free_port())
    master = locust(
        tmp_path / "master",
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        port,
        "--headless",
        "--only-summary",
        "--expect-workers",
        str(expect or workers),
        "--expect-workers-max-wait",
        str(max_wait_s),
        "-H",
        host,
        "--thresholds",
        str(profile),
        "--report-dir",
        str(tmp_path / "reports"),
    )
    started = [
        locust(tmp_path / f"worker{i}", "--worker", "--master-host", "127.0.0.1", "--master-port", port)
        for i in range(workers)
    ]
    lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
    spawned = threading.Event()

    def read(stream: str) -> None:
        for line in getattr(master, stream):
            lines[stream].append(line)
            if any(said in line for said in SPAWNED):
                spawned.set()

    readers = [threading.Thread(target=read, args=(stream,), daemon=True) for stream in lines]
    for reader in readers:
        reader.start()
    try:
        if kill_after_s is not None:
            assert spawned.wait(timeout=90), "the master never spawned its users"
            time.sleep(kill_after_s)
            os.killpg(started[0].pid, how)
        if resume_after_s is not None:
            time.sleep(resume_after_s)
            os.killpg(started[0].pid, signal.SIGCONT)
        master.wait(timeout=180)
        for reader in readers:
            reader.join(timeout=10)
        codes = [worker.wait(timeout=30) for worker in started]
    finally:
        stop_processes([master, *started])
    stderr = "".join(lines["stderr"])
    result_file = tmp_path / "reports" / "result.json"
    return master.returncode, stderr, json.loads(result_file.read_text()) if result_file.exists() else None, codes


def master_and_workers(tmp_path: Path, *master_args: str, workers: int = 2) -> tuple[subprocess.Popen, list]:
    """A headless master on a free port expecting `workers`, and the workers connected to it."""
    port = str(free_port())
    master = locust(
        tmp_path / "master",
        *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--headless"),
        *("--expect-workers", str(workers), *master_args),
    )
    started = [
        locust(tmp_path / f"worker{i}", "--worker", "--master-host", "127.0.0.1", "--master-port", port)
        for i in range(workers)
    ]
    return master, started


def checks(result: dict) -> list[tuple[str, str, str]]:
    return sorted((c["endpoint"], c["metric"], c["status"]) for c in result["checks"])


def test_a_master_and_two_workers_give_the_local_verdict_and_only_the_master_reports(start_demo, tmp_path):
    """The workers have no --thresholds (as in a cluster whose workers get the locustfile only):
    the profile's request timeout reaches them with Locust's spawn message, so the reports, 3 s
    slow, time out at 1 s there as they do in the local run (they used to wait and pass)."""
    timeout_1s = PROFILE.replace("settings: {warmup: spawn}", "settings: {warmup: spawn, request_timeout: 1s}")
    profile = write_profile(tmp_path, timeout_1s % "15s")
    demo = start_demo("latency:GET /api/v1/projects:700", "latency:GET /api/v1/reports/*:3000")
    local, local_result = gate(tmp_path / "local", "-H", demo.url, "--thresholds", str(profile))
    code, stderr, result, worker_codes = distributed(tmp_path / "distributed", demo.url, profile)
    assert (local.returncode, code) == (3, 3), stderr[-3000:]
    assert checks(result) == checks(local_result)
    assert ("GET /api/v1/projects", "p95", "fail") in checks(result)
    reports = [stats for key, stats in result["endpoints"].items() if key.startswith("GET /api/v1/reports/")]
    assert reports and all(stats["failures"] == stats["requests"] for stats in reports), reports
    assert all("timed out" in error["message"] for stats in reports for error in stats["errors"])
    assert worker_codes == [0, 0]  # workers exit 0: the verdict is the master's
    assert not any((tmp_path / "distributed" / f"worker{i}" / "reports").exists() for i in range(2))
    # percentiles from the merged worker histograms: both workers' requests are in the master's counts
    assert result["load"]["workers"] == 2
    assert result["endpoints"]["GET /api/v1/projects"]["requests"] > 20
    # in perfgate's three-digit buckets, which travel beside Locust's (whole milliseconds below 100 ms)
    for key, endpoint in result["endpoints"].items():
        assert sum(endpoint["histogram"].values()) == endpoint["requests"], key
    fractions = [bucket for bucket in result["endpoints"]["POST /api/v1/builds"]["histogram"] if float(bucket) % 1]
    assert len(fractions) > 5


LOSSES = {
    signal.SIGKILL: r"Worker (\S+) failed to send heartbeat",  # dies: its heartbeat stops
    signal.SIGTERM: r"Worker '(\S+)' \(index \d+\) quit",  # stopped: it says goodbye, still lost
    signal.SIGSTOP: r"Worker (\S+) failed to send heartbeat",  # frozen for 6 s, then resumed
}


def test_a_worker_lost_mid_run_makes_the_run_inconclusive_naming_it(start_demo, tmp_path):
    """Each way a worker is lost, in its own run, the three side by side."""
    profile = write_profile(tmp_path, PROFILE % "20s")
    demos = {how: start_demo() for how in LOSSES}
    with ThreadPoolExecutor(len(LOSSES)) as pool:
        runs = {
            how: pool.submit(
                distributed,
                tmp_path / how.name,
                demos[how].url,
                profile,
                kill_after_s=8,
                how=how,
                resume_after_s=6 if how == signal.SIGSTOP else None,
            )
            for how in LOSSES
        }
    for how, master_says in LOSSES.items():
        code, stderr, result, _ = runs[how].result()
        assert code == 5, f"{how.name}: {stderr[-3000:]}"
        reported = re.findall(master_says, stderr)  # the lost worker first; the other quits at the end
        assert reported, f"{how.name}: {stderr[-3000:]}"
        lost = next(c for c in result["checks"] if c["endpoint"] == "run" and c["metric"] == "workers")
        assert lost["status"] == "inconclusive" and lost["message"] == f"workers lost: {reported[0]}", how.name
        assert result["verdict"] == "inconclusive"
        # whatever the lost worker sent, before or after: totals add up, no interval goes backwards
        assert result["total"]["requests"] == sum(e["requests"] for e in result["endpoints"].values())
        assert all(row["requests"] >= 0 for row in result["timeline"])


@pytest.mark.light  # the test never starts: no load
def test_fewer_workers_than_expected_within_the_wait_is_inconclusive_with_reports(demo_api, tmp_path):
    profile = write_profile(tmp_path, PROFILE % "10s")
    code, stderr, result, worker_codes = distributed(tmp_path, demo_api.url, profile, workers=1, expect=2, max_wait_s=4)
    assert code == 5, stderr[-3000:]
    assert "Gave up waiting for workers to connect" in stderr and worker_codes == [0]
    workers = next(c for c in result["checks"] if c["endpoint"] == "run" and c["metric"] == "workers")
    assert workers["message"] == (
        "only 1 of --expect-workers 2 workers connected within --expect-workers-max-wait 4s: the test never started"
    )
    assert result["verdict"] == "inconclusive" and result["endpoints"] == {}
    assert (tmp_path / "reports" / "junit.xml").exists()


@pytest.mark.light  # two users, then the workers wait
def test_workers_of_a_master_killed_mid_run_exit_within_the_bound(demo_api, tmp_path):
    """A master that dies (SIGKILL: no quit message to its workers): each worker quits once it has
    had no heartbeat for MASTER_LOST_AFTER_S (Locust's own wait is 60 s), so a CI job ends."""
    profile = write_profile(tmp_path, PROFILE.replace("users: 20, spawn_rate: 20", "users: 2, spawn_rate: 2") % "60s")
    master, workers = master_and_workers(tmp_path, "-H", demo_api.url, "--thresholds", str(profile))
    try:
        time.sleep(8)
        os.killpg(master.pid, signal.SIGKILL)
        killed = time.monotonic()
        for worker in workers:
            worker.wait(timeout=MASTER_LOST_AFTER_S + 20)
        waited = time.monotonic() - killed
        _, stderr = workers[0].communicate()
    finally:
        stop_processes([master, *workers])
    assert waited >= MASTER_LOST_AFTER_S - 1  # they waited for the master's heartbeat, not less
    assert f"Didn't get heartbeat from master in over {MASTER_LOST_AFTER_S}s" in stderr


@pytest.mark.light  # three users; nothing timed
def test_a_worker_builds_locusts_argument_parser_once_however_often_the_shape_changes_its_users(demo_api, tmp_path):
    """Locust's worker built its whole argument parser again for each option in each spawn message
    (81 here): 120-250 ms per change of a shape's users, in which its users' response times ran on
    and its heartbeats waited. With eight such runs starting on two cores, workers went missing 4 s
    in and the master ended the run."""
    shape = Path(__file__).parent / "locustfiles" / "stepping_shape.py"
    finished = run_locust(shape, *forked_workers(), "-H", demo_api.url, cwd=tmp_path, timeout_s=60)
    assert finished.returncode == 0, finished.output[-3000:]
    counts = [json.loads(path.read_text()) for path in tmp_path.glob("worker-*.json")]
    assert len(counts) == 2, finished.output[-3000:]
    for count in counts:
        assert count["spawn_messages"] >= 4 and count["parsers_built"] <= 1, count
