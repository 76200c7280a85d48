from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from perfgate.demo.launcher import DemoApiProcess, start_demo_api


def pytest_configure(config: pytest.Config) -> None:
    """A shell without job control starts a command run with `&` with SIGINT ignored, every process
    it starts inherits that, and Python then installs no KeyboardInterrupt handler: the Locust runs
    that the signal tests stop with SIGINT would never see it. Each test process takes SIGINT back."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Importing Locust monkey-patches the process with gevent, which hangs pytest-xdist's workers
    (LoopExit in execnet); tests start Locust in processes of its own and never import it."""
    if "locust" in sys.modules:
        raise pytest.UsageError(
            "a test module imported locust (perhaps through perfgate.auth or perfgate.locust): import it in "
            "the processes the test starts, not in the test itself"
        )


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

    def start(
        *injections: str, token_ttl_s: float | None = None, rotate_refresh_tokens: bool = False
    ) -> DemoApiProcess:
        demo = start_demo_api(list(injections), token_ttl_s, rotate_refresh_tokens=rotate_refresh_tokens)
        started.append(demo)
        return demo

    try:
        yield start
    finally:
        for demo in started:
            demo.stop()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root, and with no network: the flags without which Chromium hangs on lookups it cannot make.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download cannot reach us)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI runs this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
