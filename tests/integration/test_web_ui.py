"""The perfgate tab in Locust's web UI, driven in Debian's Chromium: tests started and stopped from
the UI, each with its own verdict and reports; the same tab on a master with one worker. Both
Locust runs go side by side (each with its own embedded demo API, whose injected latency on
GET /api/v1/projects ends after INJECTED_S of its uptime)."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.processes import LOCUSTFILES, free_port, get_json, start_locust, stop_processes

pytestmark = pytest.mark.integration
INJECTED_S = 25
INJECTION = f"latency:GET /api/v1/projects:700:until={INJECTED_S}s"
CI = LOCUSTFILES / "ci.py"


def wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout_s:g}s: {what}")


def answering(url: str) -> bool:
    try:
        get_json(url + "/stats/requests")
        return True
    except OSError:
        return False


def start_test(page, users: int) -> None:
    page.get_by_label("Number of users (peak concurrency)").fill(str(users))
    page.get_by_label("Ramp up (users started/second)").fill(str(users))
    page.get_by_role("button", name="Start").click()


def tab_rows(page) -> list[list[str]]:
    """The perfgate tab's table as the browser shows it."""
    page.get_by_role("tab", name="perfgate").click()
    # read in one go: the table re-renders on every poll
    return page.locator("table tbody tr").evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.innerText))")


def row_with(page, *texts: str) -> list[str] | None:
    return next((row for row in tab_rows(page) if all(t in row for t in texts)), None)


BASE_PATH = "/locust"  # the master's --web-base-path


@pytest.mark.timeout(300)
def test_the_perfgate_tab_judges_each_test_of_a_web_ui_run_alone_and_on_a_master(tmp_path, chromium):
    port, master_web, master_port = free_port(), free_port(), free_port()
    local_dir, master_dir = tmp_path / "local", tmp_path / "master"
    env = {"PERFGATE_DEMO_INJECT": INJECTION}
    web = ("--web-host", "127.0.0.1")
    processes = [
        start_locust(CI, local_dir, *web, "--web-port", str(port), env=env),
        start_locust(
            CI,
            master_dir,
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(master_port),
            *web,
            "--web-port",
            str(master_web),
            "--web-base-path",  # as behind a proxy's prefix: the tab's reports are served below it too
            BASE_PATH,
            env=env,
        ),
        start_locust(
            CI, tmp_path / "worker", "--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)
        ),
    ]
    try:
        local, master = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{master_web}{BASE_PATH}"
        wait_for(lambda: answering(local) and answering(master), 60, "both web UIs answer")
        # the embedded demo API started before its web UI: its injection ends within INJECTED_S of now
        # (timed from before the processes started, a slow start let test 2 meet the injection)
        began = time.monotonic()
        wait_for(lambda: get_json(master + "/stats/requests").get("worker_count") == 1, 30, "the worker connects")
        ui, on_master = chromium.new_page(), chromium.new_page()
        ui.goto(local)
        on_master.goto(master)
        start_test(ui, 50)
        start_test(on_master, 20)

        # within a few evaluation intervals (2 s each) the injected check is breached, live
        breached = wait_for(lambda: row_with(ui, "breached", "GET /api/v1/projects", "p95"), 20, "breached, live")
        assert breached[3] == "< 500ms" and int(breached[5].replace(",", "")) > 0
        assert wait_for(lambda: row_with(on_master, "breached", "GET /api/v1/projects", "p95"), 20, "on the master")
        assert row_with(ui, "running", "test 1")

        for page in (ui, on_master):
            page.get_by_role("button", name="Stop").click()
        verdict = wait_for(lambda: row_with(ui, "FAIL", "test 1", "verdict"), 30, "test 1's verdict")
        assert "exit code 3" in verdict[6]
        # the master judges once its worker sent its last stats; the UI's last poll waits for that verdict
        assert wait_for(lambda: row_with(on_master, "FAIL", "test 1", "verdict"), 30, "the master's verdict")
        assert row_with(on_master, "report", f"{BASE_PATH}/perfgate/tests/1/report.html")
        assert get_json(f"http://127.0.0.1:{master_web}{BASE_PATH}/perfgate/latest/result.json")["exit_code"] == 3
        link = row_with(ui, "report", "report.html")[4]
        assert link == "/perfgate/tests/1/report.html"
        report = chromium.new_page()
        report.goto(local + link)
        assert "GET /api/v1/projects" in report.content() and report.title()
        first = json.loads((local_dir / "reports" / "tests" / "1" / "result.json").read_text())
        assert first["verdict"] == "fail" and first["exit_code"] == 3

        # the second test starts once the demo API's injection is over, and passes on its own
        time.sleep(max(0.0, INJECTED_S + 3 - (time.monotonic() - began)))
        # Locust's page polls the runner's state only while it spawns or runs: a poll that lands in the
        # cleanup after Stop leaves the page there, without its New button, until it is reloaded (seen
        # once in a full suite run); a user reloads, and so does this test once Locust says stopped
        wait_for(lambda: get_json(local + "/stats/requests")["state"] == "stopped", 30, "Locust stopped")
        ui.reload()
        ui.get_by_role("button", name="New").click()
        start_test(ui, 50)
        assert wait_for(lambda: row_with(ui, "running", "test 2"), 20, "test 2 runs")
        time.sleep(12)
        ui.get_by_role("button", name="Stop").click()
        passed = wait_for(lambda: row_with(ui, "PASS", "test 2", "verdict"), 30, "test 2's verdict")
        assert "exit code 0" in passed[6]
        assert row_with(ui, "report", "/perfgate/tests/2/report.html")
        second = json.loads((local_dir / "reports" / "tests" / "2" / "result.json").read_text())
        latest = json.loads((local_dir / "reports" / "result.json").read_text())
        assert second["verdict"] == latest["verdict"] == "pass" and second["started_at"] == latest["started_at"]
        assert second["started_at"] != first["started_at"]
        assert second["endpoints"]["GET /api/v1/projects"]["p95"] < 500  # nothing of test 1 leaked in
        served = get_json(local + "/perfgate/tests/1/result.json")
        assert served["verdict"] == "fail"
        assert re.search(r"test 2 of this web UI run", (local_dir / "locust.log").read_text())
    finally:
        stop_processes(processes)
