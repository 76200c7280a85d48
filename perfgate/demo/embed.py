"""For locustfiles: when no host is given, run the demo API for the duration of the Locust run."""

from __future__ import annotations

import atexit
import logging
from typing import Any

from locust import events
from locust.runners import WorkerRunner

from perfgate.demo.launcher import start_demo_api

logger = logging.getLogger("perfgate")


def serve_demo_api_when_no_host() -> None:
    """Registers an `init` listener that starts the demo API on the local runner or master when
    neither --host nor a user class names a host; PERFGATE_DEMO_INJECT passes injections to it."""

    @events.init.add_listener
    def _start(environment: Any, runner: Any = None, **_: Any) -> None:
        if isinstance(runner, WorkerRunner) or environment.parsed_options is None:
            return
        if environment.host or any(getattr(user, "host", None) for user in environment.user_classes):
            return
        demo = start_demo_api()
        environment.host = demo.url
        logger.info("perfgate: no --host given; started the embedded demo API: %s", demo.banner.split(": ", 1)[1])
        atexit.register(demo.stop)
        environment.events.quit.add_listener(lambda **_: demo.stop())
