"""Targets that fail in every way a network can: the run ends in bounded time, every error is
counted and named in the verdict (top messages per endpoint), and the exit code is the gate's."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from perfgate.demo.launcher import start_demo_api
from tests.integration.test_gate import write_profile
from tests.integration.test_signals import STEADY
from tests.processes import LOCUSTFILES, REPO, free_port, run_locust

PROFILE = """version: 1
load: {users: 6, spawn_rate: 6, run_time: 6s}
settings: {request_timeout: 1s}
global: {error_rate: "< 1%"}
"""


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers a byte (a hung backend behind a load balancer)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def gate_against(tmp_path, host: str):
    profile = write_profile(tmp_path, PROFILE)
    began = time.monotonic()
    finished = run_locust(
        LOCUSTFILES / "ci.py",
        *("-H", host, "--thresholds", str(profile), "--report-dir", str(tmp_path / "reports")),
        cwd=REPO,
        timeout_s=90,
    )
    took = time.monotonic() - began
    result = json.loads((tmp_path / "reports" / "result.json").read_text())
    return finished, result, took


def errors_of(result: dict) -> list[str]:
    return [e["message"] for stats in result["endpoints"].values() for e in stats.get("errors", [])]


@pytest.mark.light
@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("refused", "Connection refused"),
        ("unresolvable", "perfgate-test.invalid"),
        ("tls", "SSL"),
        ("silent", "timed out"),
        # headers at once, then a byte every 0.5 s: within requests' per-read timeout of 1 s, for ever
        ("trickle", "timed out: no whole response within settings.request_timeout (1 s)"),
    ],
)
def test_an_unreachable_or_silent_target_fails_the_error_rate_with_the_errors_named(
    tmp_path, demo_api, silent_server, start_demo, target, named
):
    hosts = {
        "refused": f"http://127.0.0.1:{free_port()}",
        "unresolvable": "http://perfgate-test.invalid:8080",
        "tls": demo_api.url.replace("http://", "https://"),  # TLS spoken to a plain-HTTP server
        "silent": silent_server,
    }
    host = start_demo("trickle:*:500").url if target == "trickle" else hosts[target]
    finished, result, took = gate_against(tmp_path, host)
    assert finished.returncode == 3, finished.output[-3000:]
    assert took < 40  # 6 s of load, 1 s timeouts: bounded whatever the target does
    error_rate = next(c for c in result["checks"] if c["metric"] == "error_rate")
    assert error_rate["status"] == "fail" and error_rate["actual"] == 1.0
    messages = errors_of(result)
    assert messages and all(named in message for message in messages), messages
    assert "top errors:" in finished.stdout and named in finished.stdout.split("top errors:")[1]


@pytest.mark.light
def test_a_target_answering_500_to_everything_fails_naming_the_status(tmp_path, start_demo):
    finished, result, _ = gate_against(tmp_path, start_demo("errors:*:100").url)
    assert finished.returncode == 3, finished.output[-3000:]
    messages = errors_of(result)
    assert messages and all("500" in message for message in messages), messages
    login = result["endpoints"]["POST /api/v1/auth/login"]
    assert login["errors"][0]["count"] == login["failures"]  # every failure is accounted for


@pytest.mark.light
def test_an_unwritable_report_directory_and_history_are_named_and_the_exit_code_stands(demo_api, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the report directory should be")
    profile = write_profile(tmp_path, PROFILE.replace("request_timeout: 1s", "request_timeout: 5s"))
    finished = run_locust(
        LOCUSTFILES / "ci.py",
        *("-H", demo_api.url, "--thresholds", str(profile), "--report-dir", str(blocker / "reports")),
        *("--history", str(blocker / "history.db")),
        cwd=REPO,
        timeout_s=60,
    )
    assert finished.returncode == 0, finished.output[-3000:]  # the verdict's code: every check passed
    assert f"cannot write json reports to {blocker / 'reports'}" in finished.stderr
    assert "cannot record the run in the history" in finished.stderr and "the exit code stands" in finished.stderr
    assert "perfgate: PASS" in finished.stdout and "Traceback" not in finished.stderr


OUTAGE_ERRORS = ("Connection refused", "ConnectionError", "RemoteDisconnected", "Connection reset")
OUTAGE_PROFILE = """version: 1
global: {error_rate: "< 1%"}
endpoints:
  "GET /healthz": {error_rate: "< 50%", for: 4s}
"""


def test_a_target_that_dies_mid_run_and_comes_back_fails_naming_the_outage_and_when(tmp_path):
    """The demo API stopped at ~8 s of a 28 s run and started again on its port at ~15 s (it is
    ready a few seconds later: it seeds its database first)."""
    demo = start_demo_api()
    port = int(demo.url.rsplit(":", 1)[1])
    profile = write_profile(tmp_path, OUTAGE_PROFILE)
    command = [sys.executable, "-m", "locust", "-f", str(STEADY), "--headless", "--only-summary", "-u", "5"]
    command += ["-r", "5", "-t", "28s", "-H", demo.url, "--thresholds", str(profile), "--report-dir", "reports"]
    run = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    back = None
    try:
        time.sleep(8)
        demo.stop()
        time.sleep(7)
        back = start_demo_api(port=port)
        stdout, stderr = run.communicate(timeout=90)
    finally:
        run.kill()
        for server in (demo, back):
            if server is not None:
                server.stop()
    assert run.returncode == 3, stderr[-3000:]
    result = json.loads((tmp_path / "reports" / "result.json").read_text())
    failed = {(c["endpoint"], c["metric"]) for c in result["checks"] if c["status"] == "fail"}
    assert failed == {("global", "error_rate"), ("GET /healthz", "error_rate")}, result["checks"]
    messages = errors_of(result)
    # refused while it is down; a request in flight when it stopped ends with the connection closed
    assert any("Connection refused" in m for m in messages), messages
    assert all(any(kind in m for kind in OUTAGE_ERRORS) for m in messages), messages
    assert "top errors:" in stdout
    down = [row["t"] for row in result["timeline"] if row["error_rate"] > 0.5]
    assert down and min(down) >= 6 and max(down) <= 26, down  # the outage, where it was
    assert any(row["t"] > max(down) and row["error_rate"] == 0 for row in result["timeline"])  # and back
    assert 27 <= result["duration_s"] <= 32  # the run ended on time, with its -t
