"""Signals: SIGINT or SIGTERM to a local run or a master writes the reports and ends inconclusive
(unless the profile says to judge what was measured), a second SIGINT exits at once, and no demo
API or worker process is left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.integration.test_distributed import locust, stop
from tests.integration.test_gate import write_profile
from tests.processes import LOCUSTFILES, REPO, free_port

PROFILE = 'version: 1\nglobal: {error_rate: "< 1%"}\n'


def start_local(tmp_path: Path, *args: str) -> subprocess.Popen:
    profile = write_profile(tmp_path, PROFILE + "".join(f"{line}\n" for line in args if line.startswith("settings")))
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / "ci.py"), "--headless", "--only-summary"]
    command += ["-t", "60s"]
    command += ["-u", "5", "-r", "5", "--thresholds", str(profile), "--report-dir", str(tmp_path / "reports")]
    command += [arg for arg in args if not arg.startswith("settings")]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout_s: float) -> tuple[str, float, str]:
    """stderr, how long the process took to end, and stdout (the verdict table)."""
    began = time.monotonic()
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    finally:
        stop([process])
    return stderr, time.monotonic() - began, stdout


def gone(pids: list[int], within_s: float = 10) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def result_of(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "reports" / "result.json").read_text())


def test_sigint_writes_the_reports_is_inconclusive_and_stops_the_embedded_demo_api(tmp_path):
    process = start_local(tmp_path)  # no --host: the locustfile starts the demo API as a child
    time.sleep(7)
    children = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
    assert children, "the embedded demo API was not started"
    process.send_signal(signal.SIGINT)
    stderr, took, _ = finish(process, 30)
    assert process.returncode == 5, stderr[-3000:]
    assert took < 15 and "Traceback" not in stderr
    interrupted = [c for c in result_of(tmp_path)["checks"] if c["metric"] == "interrupted"]
    assert interrupted and interrupted[0]["status"] == "inconclusive"
    assert gone(children), f"left behind: {children}"


def test_a_second_sigint_exits_at_once_without_a_traceback(demo_api, tmp_path):
    process = start_local(tmp_path, "-H", demo_api.url)
    time.sleep(7)
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    again = process.poll() is None
    if again:
        process.send_signal(signal.SIGINT)
    stderr, took, stdout = finish(process, 15)
    assert process.returncode == 5 and took < 5, stderr[-3000:]
    taken = "perfgate: interrupted again while stopping; exiting now (exit code 5)" in stderr
    # one that comes after the verdict was printed is ignored: the process is only ending by then
    assert not again or taken or "perfgate: INCONCLUSIVE" in stdout
    assert "Traceback" not in stderr, stderr[stderr.find("Traceback") - 200 :][:3000]
    assert result_of(tmp_path)["verdict"] == "inconclusive"  # the reports come first


def test_an_interrupted_run_with_enough_data_is_judged_when_the_profile_says_so(demo_api, tmp_path):
    process = start_local(tmp_path, "-H", demo_api.url, "settings: {on_interrupt: judge}")
    time.sleep(8)
    process.send_signal(signal.SIGINT)
    stderr, _, _ = finish(process, 30)
    assert process.returncode == 0, stderr[-3000:]
    result = result_of(tmp_path)
    assert result["verdict"] == "pass" and not [c for c in result["checks"] if c["metric"] == "interrupted"]
    assert any("judged on what it measured (settings.on_interrupt: judge)" in w for w in result["warnings"])


def test_sigterm_to_a_master_writes_the_reports_and_leaves_no_worker_behind(demo_api, tmp_path):
    profile = write_profile(tmp_path, PROFILE)
    port = str(free_port())
    master = locust(
        tmp_path / "master",
        *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port, "--headless"),
        *("--expect-workers", "2", "-u", "6", "-r", "6", "-t", "60s", "-H", demo_api.url),
        *("--thresholds", str(profile), "--report-dir", str(tmp_path / "reports")),
    )
    workers = [
        locust(tmp_path / f"worker{i}", "--worker", "--master-host", "127.0.0.1", "--master-port", port)
        for i in range(2)
    ]
    try:
        time.sleep(10)
        os.kill(master.pid, signal.SIGTERM)
        _, stderr = master.communicate(timeout=30)
        assert master.returncode == 5, stderr[-3000:]
        assert gone([worker.pid for worker in workers], within_s=20), "workers left running after the master"
    finally:
        stop([master, *workers])
    run_checks = {c["metric"]: c for c in result_of(tmp_path)["checks"] if c["endpoint"] == "run"}
    assert "interrupted" in run_checks and run_checks["interrupted"]["status"] == "inconclusive", run_checks
