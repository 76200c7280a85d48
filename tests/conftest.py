from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from perfgate.demo.launcher import DemoApiProcess, start_demo_api


@pytest.fixture(scope="session")
def demo_api() -> Iterator[DemoApiProcess]:
    """One unchanged demo API shared by the tests that do not inject anything."""
    demo = start_demo_api()
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture
def start_demo() -> Iterator[Callable[..., DemoApiProcess]]:
    """Starts demo APIs with injections for one test and stops every one of them afterwards."""
    started: list[DemoApiProcess] = []

    def start(*injections: str, token_ttl_s: float | None = None) -> DemoApiProcess:
        demo = start_demo_api(list(injections), token_ttl_s)
        started.append(demo)
        return demo

    try:
        yield start
    finally:
        for demo in started:
            demo.stop()
