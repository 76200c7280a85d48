"""The Compose stack as a user starts it: the image built from docker/Dockerfile on a local Python
base image (no registry can be reached from CI: .ci/run builds one and names it in
PERFGATE_DOCKER_BASE_IMAGE), master + 3 workers + the demo target, every service on the host network
so that all traffic stays on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import REPO, Finished, free_port, run_bounded

COMPOSE = ["docker-compose", "-f", "docker/docker-compose.yml", "-f", "docker/docker-compose.hostnet.yml"]


@pytest.fixture
def compose(image: str, tmp_path: Path) -> Iterator[Stack]:
    """The stack of one test (run in the foreground, or stopped mid-run); always taken down."""
    project = f"perfgate{uuid.uuid4().hex[:8]}"
    reports = tmp_path / "reports"
    reports.mkdir()
    reports.chmod(0o777)  # the image runs as its own non-root user
    target_port = free_port()
    env = {
        "PERFGATE_IMAGE": image,
        "WORKERS": "3",
        "USERS": "30",
        "RUN_TIME": "20s",
        "TARGET_PORT": str(target_port),
        "TARGET_HOST": f"http://127.0.0.1:{target_port}",
        "MASTER_PORT": str(free_port()),
        "REPORT_DIR": str(reports),
    }
    stack = Stack([*COMPOSE, "-p", project, "--profile", "demo"], env, reports)
    try:
        yield stack
    finally:
        subprocess.run(
            [*stack.base, "down", "--remove-orphans"],
            cwd=REPO,
            env={**os.environ, **env},
            capture_output=True,
            timeout=120,
        )


@dataclass
class Stack:
    base: list[str]
    env: dict[str, str]
    reports: Path

    def result(self) -> dict | None:
        path = self.reports / "result.json"
        return json.loads(path.read_text()) if path.exists() else None

    def __call__(self, injection: str = "", baseline_port: int | None = None) -> tuple[Finished, dict | None]:
        """`up` in the foreground until the master exits (its code is the command's); with
        `baseline_port`, a duet: the baseline service on that port beside the target."""
        env = {**self.env, "PERFGATE_DEMO_INJECT": injection}
        duet = ["--profile", "duet"] if baseline_port else []
        if baseline_port:
            env |= {"BASELINE_PORT": str(baseline_port), "BASELINE_HOST": f"http://127.0.0.1:{baseline_port}"}
            env["BASELINE_IMAGE"] = env["PERFGATE_IMAGE"]  # main's image in a real duet; here the same
        command = [*self.base, *duet, "up", "--no-build", "--scale", "worker=3", "--exit-code-from", "master"]
        return run_bounded(command, 300, REPO, env), self.result()

    def stopped_after(self, seconds: float, **settings: str) -> tuple[int, str, dict | None]:
        """`up -d` for a long run, then `docker stop` on the master: its exit code and log."""
        env = {**self.env, "RUN_TIME": "120s", **settings}
        started = run_bounded([*self.base, "up", "-d", "--no-build", "--scale", "worker=3"], 180, REPO, env)
        assert started.returncode == 0, started.output[-3000:]
        time.sleep(seconds)
        (master,) = run_bounded([*self.base, "ps", "-q", "master"], 30, REPO, env).stdout.split()
        stopped = run_bounded(["docker", "stop", "-t", "30", master], 60, REPO)
        assert stopped.returncode == 0, stopped.output
        code = run_bounded(["docker", "inspect", "-f", "{{.State.ExitCode}}", master], 30, REPO).stdout.strip()
        return int(code), run_bounded(["docker", "logs", master], 30, REPO).output, self.result()


def test_compose_with_three_workers_passes_an_unchanged_target(compose):
    finished, result = compose()
    assert finished.returncode == 0, finished.output[-4000:]
    assert result["verdict"] == "pass" and result["load"]["workers"] == 3
    assert result["endpoints"]["GET /api/v1/projects"]["requests"] >= 60


def test_compose_exits_3_when_the_target_is_slower_and_its_duet_names_the_regression(compose, tmp_path):
    """With --profile duet the baseline service (main's image; here the same) runs beside the
    target: the threshold fails (3 beats 4) and the regression against the baseline side is named."""
    port = free_port()
    compose.env["USERS"] = "15"  # per side
    finished, result = compose("latency:GET /api/v1/projects:700", baseline_port=port)
    assert finished.returncode == 3, finished.output[-4000:]
    failed = [(c["endpoint"], c["metric"]) for c in result["checks"] if c["status"] == "fail"]
    assert failed == [("GET /api/v1/projects", "p95")]
    regressed = {c["endpoint"] for c in result["checks"] if c["status"] == "regression"}
    # the slowed endpoint must be named; two local CI runs also named one other endpoint each (the
    # login, p95 97.5 ms beside 36 ms; a project's builds): the slowed side's users loop less, so its
    # whole-run p95s mix the run's moments in other proportions than the baseline side's. Open in
    # issue 17's statistics work; the threshold failure above is still the slowed endpoint's alone
    assert "GET /api/v1/projects" in regressed
    assert result["duet"]["baseline_host"] == f"http://127.0.0.1:{port}"
    assert result["duet"]["users"] == {"candidate": 15, "baseline": 15}
    assert {path.name for path in (tmp_path / "reports").iterdir()} >= {"result.json", "junit.xml", "report.html"}


def test_docker_stop_on_a_shaped_master_writes_the_reports_and_is_inconclusive(compose):
    """The nightly profile's load.stages drive the run: the shape case, where SIGTERM was once
    swallowed (docker stop then waited for its SIGKILL)."""
    code, log, result = compose.stopped_after(25, THRESHOLDS="thresholds/load.yaml")  # ~15 s of load
    assert code == 5, log[-3000:]
    assert "Shape test completed" in log and "(stages)" in log, log[-3000:]
    assert result is not None and result["verdict"] == "inconclusive", log[-3000:]
    interrupted = [c for c in result["checks"] if c["metric"] == "interrupted"]
    assert interrupted and interrupted[0]["status"] == "inconclusive"
    assert result["load"]["mode"] == "stages"
    assert sum(row["requests"] for row in result["timeline"]) > 0  # the load before the stop, in the warm-up


def test_a_killed_compose_master_ends_the_stack_with_its_code(compose):
    """docker kill (SIGKILL) on the master mid-run: `up --exit-code-from master` returns the
    master's 137, so the CI job fails instead of waiting; Compose stops the workers with it."""
    env = {**os.environ, **compose.env, "RUN_TIME": "120s"}
    command = [*compose.base, "up", "--no-build", "--scale", "worker=3", "--exit-code-from", "master"]
    up = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        time.sleep(25)  # the demo seeds, workers connect, then ~15 s of load
        (master,) = run_bounded([*compose.base, "ps", "-q", "master"], 30, REPO, env).stdout.split()
        killed = run_bounded(["docker", "kill", master], 30, REPO)
        assert killed.returncode == 0, killed.output
        output, _ = up.communicate(timeout=120)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.communicate()
    assert up.returncode == 137, output[-3000:]
    assert compose.result() is None  # killed: nothing was judged, and nothing pretends it was
