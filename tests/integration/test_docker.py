"""The Compose stack as a user starts it: the image built from docker/Dockerfile on the local base
image that ../shared/tools/docker-up makes (no registry here), master + 3 workers + the demo target,
every service on the host network so that all traffic stays on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import REPO, Finished, free_port, run_bounded

IMAGE = "perfgate:test"
COMPOSE = ["docker-compose", "-f", "docker/docker-compose.yml", "-f", "docker/docker-compose.hostnet.yml"]


@pytest.fixture(scope="module")
def image() -> str:
    base = os.environ.get("PERFGATE_DOCKER_BASE_IMAGE")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("PERFGATE_DOCKER_BASE_IMAGE is not set: .ci/run exports it from ../shared/tools/docker-up")
        pytest.skip("set PERFGATE_DOCKER_BASE_IMAGE=$(../shared/tools/docker-up | tail -n1) to run the Docker tests")
    command = ["docker", "build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}"]
    built = run_bounded([*command, "-f", "docker/Dockerfile", "-t", IMAGE, "."], 900, REPO)
    assert built.returncode == 0, built.output[-3000:]
    return IMAGE


@pytest.fixture
def compose(image: str, tmp_path: Path) -> Iterator:
    """Runs the stack once with the given injection; always takes it down."""
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
    base = [*COMPOSE, "-p", project, "--profile", "demo"]

    def up(injection: str = "") -> tuple[Finished, dict | None]:
        command = [*base, "up", "--no-build", "--scale", "worker=3", "--exit-code-from", "master"]
        finished = run_bounded(command, 300, REPO, {**env, "PERFGATE_DEMO_INJECT": injection})
        result = reports / "result.json"
        return finished, json.loads(result.read_text()) if result.exists() else None

    try:
        yield up
    finally:
        subprocess.run(
            [*base, "down", "--remove-orphans"], cwd=REPO, env={**os.environ, **env}, capture_output=True, timeout=120
        )


def test_compose_with_three_workers_passes_an_unchanged_target(compose):
    finished, result = compose()
    assert finished.returncode == 0, finished.output[-4000:]
    assert result["verdict"] == "pass" and result["load"]["workers"] == 3
    assert result["endpoints"]["GET /api/v1/projects"]["requests"] >= 60


def test_compose_exits_3_when_the_target_is_slower(compose, tmp_path):
    finished, result = compose("latency:GET /api/v1/projects:700")
    assert finished.returncode == 3, finished.output[-4000:]
    failed = [(c["endpoint"], c["metric"]) for c in result["checks"] if c["status"] == "fail"]
    assert failed == [("GET /api/v1/projects", "p95")]
    assert {path.name for path in (tmp_path / "reports").iterdir()} >= {"result.json", "junit.xml", "report.html"}
