"""Every test here starts real processes (the demo API, Locust, a browser, Docker): all of them
carry the `integration` marker, so `pytest -m "not integration"` is the fast loop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.processes import REPO, run_bounded

HERE = Path(__file__).parent
IMAGE = "perfgate:test"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Integration tests run one at a time on one pytest-xdist worker (the `serial` group): most
    drive the two cores hard, and several judge latency or time. Those marked `light` (a few users,
    nothing timed or compared in latency) run on the other worker beside them, with the unit tests.
    Those marked `last` run at the end of the serial group: the light and unit tests keep the other
    worker busy for its first 5-8 minutes, and a limit calibrated on a quiet minute was breached
    by 2-3x on every endpoint by a run beside them."""
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)
            if item.get_closest_marker("light") is None:
                item.add_marker(pytest.mark.xdist_group("serial"))
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def image() -> str:
    """The project's image, built from docker/Dockerfile on a local Python base image (no registry
    can be reached from CI: .ci/run builds one and names it in PERFGATE_DOCKER_BASE_IMAGE)."""
    base = os.environ.get("PERFGATE_DOCKER_BASE_IMAGE")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("PERFGATE_DOCKER_BASE_IMAGE is not set: .ci/run builds a base image and exports its name")
        pytest.skip("set PERFGATE_DOCKER_BASE_IMAGE to a local Python image (python:3.12-slim) to run the Docker tests")
    command = ["docker", "build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}"]
    built = run_bounded([*command, "-f", "docker/Dockerfile", "-t", IMAGE, "."], 900, REPO)
    assert built.returncode == 0, built.output[-3000:]
    return IMAGE
