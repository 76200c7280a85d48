"""The live gate with real Locust runs: abort, warm-up, sustained breaches, inconclusive runs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from perfgate.demo.launcher import start_demo_api
from tests.integration.test_gate import gate, write_profile
from tests.processes import LOCUSTFILES, REPO, free_port, run_locust

GATED_PROJECTS = 'endpoints:\n  "GET /api/v1/projects": {p95: "< 500ms"%s}\n'


def checks_by_metric(result: dict) -> dict[tuple[str, str], dict]:
    return {(c["endpoint"], c["metric"]): c for c in result["checks"]}


def test_abort_stops_a_failing_run_early_with_exit_3(start_demo, tmp_path):
    demo = start_demo("errors:*:100")
    profile = write_profile(
        tmp_path,
        'version: 1\nsettings: {evaluate_every: 1s}\nglobal:\n  error_rate: {limit: "< 5%", abort: {after: 3s}}\n',
    )
    started = time.monotonic()
    finished, result = gate(tmp_path, "-t", "60s", "-u", "10", "-r", "10", "-H", demo.url, "--thresholds", str(profile))
    assert finished.returncode == 3, finished.output[-3000:]
    assert time.monotonic() - started < 30  # not the 60 s run time
    assert result["aborted"]["endpoint"] == "global" and result["aborted"]["metric"] == "error_rate"
    # grace 3 s + at most 2 evaluation intervals of 1 s, from the start of measurement
    assert result["aborted"]["at_s"] <= 3 + 2 * 1 + 0.5
    assert result["duration_s"] < 10
    assert "aborted the run at" in checks_by_metric(result)[("global", "error_rate")]["message"]


def side_by_side(*runs: tuple[Path, str, str]) -> list[tuple[Any, dict | None]]:
    """(folder, profile text, injection) runs at the same time, each against its own demo API: the
    verdicts asserted here come from injected 700 ms, far from the runs' noise on two cores."""
    for folder, _, _ in runs:
        folder.mkdir(parents=True)
    demos = [start_demo_api([injection]) for _, _, injection in runs]
    try:
        with ThreadPoolExecutor(len(runs)) as pool:
            futures = [
                pool.submit(gate, folder, "-H", demo.url, "--thresholds", str(write_profile(folder, text)))
                for (folder, text, _), demo in zip(runs, demos, strict=True)
            ]
            return [future.result() for future in futures]
    finally:
        for demo in demos:
            demo.stop()


def test_warmup_excludes_an_early_slowdown(tmp_path):
    load = "load: {users: 20, spawn_rate: 20, run_time: 24s}\n"
    slow_start = "latency:GET /api/v1/projects:700:until=10s"
    (warm, warm_result), (cold, cold_result) = side_by_side(
        (tmp_path / "warm", f"version: 1\n{load}settings: {{warmup: 14s}}\n" + GATED_PROJECTS % "", slow_start),
        (tmp_path / "cold", f"version: 1\n{load}" + GATED_PROJECTS % "", slow_start),
    )
    assert warm.returncode == 0, warm.output[-3000:]
    assert warm_result["measurement"]["warmup"] == "14s" and warm_result["measurement"]["excluded_requests"] > 0
    assert cold.returncode == 3, cold.output[-3000:]
    assert checks_by_metric(cold_result)[("GET /api/v1/projects", "p95")]["status"] == "fail"


def test_a_short_spike_passes_a_for_rule_and_a_sustained_breach_fails(tmp_path):
    profile = (
        "version: 1\nload: {users: 20, spawn_rate: 20, run_time: 26s}\nsettings: {evaluate_every: 1s}\n"
        + GATED_PROJECTS % ", for: 10s"
    )
    (spike, spike_result), (sustained, sustained_result) = side_by_side(
        (tmp_path / "spike", profile, "latency:GET /api/v1/projects:700:after=10s:until=13s"),
        (tmp_path / "sustained", profile, "latency:GET /api/v1/projects:700:after=10s"),
    )
    assert spike.returncode == 0, spike.output[-3000:]
    assert "the longest breach lasted" in checks_by_metric(spike_result)[("GET /api/v1/projects", "p95")]["message"]
    assert sustained.returncode == 3, sustained.output[-3000:]
    assert "breached continuously" in checks_by_metric(sustained_result)[("GET /api/v1/projects", "p95")]["message"]


def test_a_saturated_generator_is_inconclusive(demo_api, tmp_path):
    profile = write_profile(tmp_path, 'version: 1\nsettings: {evaluate_every: 1s}\nglobal: {error_rate: "< 1%"}\n')
    finished = run_locust(
        Path(__file__).parent / "locustfiles" / "cpu_burner.py",
        *("-u", "5", "-r", "5", "-t", "8s", "-H", demo_api.url, "--thresholds", str(profile)),
        *("--report-dir", str(tmp_path / "reports")),
        cwd=REPO,
    )
    assert finished.returncode == 5, finished.output[-3000:]
    result = json.loads((tmp_path / "reports" / "result.json").read_text())
    cpu = checks_by_metric(result)[("run", "generator_cpu")]
    assert cpu["status"] == "inconclusive" and "CPU" in cpu["message"]


@pytest.mark.light
def test_too_few_requests_for_the_percentile_is_inconclusive(demo_api, tmp_path):
    profile = write_profile(tmp_path, 'version: 1\nendpoints:\n  "GET /api/v1/projects": {p99.9: "< 1s"}\n')
    finished, result = gate(
        tmp_path, "-t", "5s", "-u", "5", "-r", "5", "-H", demo_api.url, "--thresholds", str(profile)
    )
    assert finished.returncode == 5, finished.output[-3000:]
    check = checks_by_metric(result)[("GET /api/v1/projects", "p99.9")]
    assert check["status"] == "inconclusive" and "needs at least 3000" in check["message"]
    assert re.search(r"^INCONCLUSIVE +GET /api/v1/projects +p99.9 ", finished.stdout, re.MULTILINE)


def test_sigterm_mid_run_writes_the_result_and_is_inconclusive(demo_api, tmp_path):
    profile = write_profile(tmp_path, 'version: 1\nglobal: {error_rate: "< 1%"}\n')
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / "ci.py"), "--headless", "-t", "60s"]
    command += ["-u", "5", "-r", "5", "-H", demo_api.url, "--thresholds", str(profile)]
    command += ["--report-dir", str(tmp_path / "reports")]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(8)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 5
    result = json.loads((tmp_path / "reports" / "result.json").read_text())
    interrupted = checks_by_metric(result)[("run", "interrupted")]
    assert interrupted["status"] == "inconclusive" and "interrupted" in interrupted["message"]
    assert result["duration_s"] < 20


def test_processes_2_gives_the_same_verdicts_as_a_local_run(start_demo, tmp_path):
    profile = write_profile(
        tmp_path,
        "version: 1\nload: {users: 20, spawn_rate: 20, run_time: 15s}\nsettings: {warmup: spawn}\n"
        'global: {error_rate: "< 1%"}\n' + GATED_PROJECTS % "",
    )
    demo = start_demo("latency:GET /api/v1/projects:700")
    verdicts = {}
    port = str(free_port())  # not Locust's default 5557, which another run may hold
    for mode in ((), ("--processes", "2")):
        ports = ("--master-bind-port", port, "--master-port", port) if mode else ()
        finished, result = gate(tmp_path, "-H", demo.url, "--thresholds", str(profile), *mode, *ports)
        verdicts[mode] = (
            finished.returncode,
            sorted((c["endpoint"], c["metric"], c["status"]) for c in result["checks"]),
        )
    assert verdicts[()] == verdicts[("--processes", "2")]
    assert verdicts[()][0] == 3
    assert ("GET /api/v1/projects", "p95", "fail") in verdicts[()][1]
