"""For locustfiles: when no host is given, run the demo API for the duration of the Locust run;
for a duet with `--baseline-host embedded`, a second one as its baseline side."""

from __future__ import annotations

import atexit
import logging
import os
from typing import Any

from locust import events
from locust.runners import WorkerRunner

from perfgate.demo.launcher import DemoApiProcess, start_demo_api
from perfgate.locust.duet import EMBEDDED

logger = logging.getLogger("perfgate")
BASELINE_INJECT = "PERFGATE_DEMO_BASELINE_INJECT"  # the embedded baseline side's injections (none by default)


def serve_demo_api_when_no_host() -> None:
    """Registers an `init` listener that starts the demo API on the local runner or master when
    neither --host nor a user class names a host (PERFGATE_DEMO_INJECT passes injections to it),
    and a second one when the duet's baseline host is `embedded` (PERFGATE_DEMO_BASELINE_INJECT:
    its own; PERFGATE_DEMO_INJECT does not reach it)."""

    @events.init.add_listener
    def _start(environment: Any, runner: Any = None, **_: Any) -> None:
        options = environment.parsed_options
        if isinstance(runner, WorkerRunner) or options is None:
            return
        if not environment.host and not any(getattr(user, "host", None) for user in environment.user_classes):
            environment.host = _serve(environment, "the embedded demo API").url
        if getattr(options, "baseline_host", None) == EMBEDDED:
            env = {"PERFGATE_DEMO_INJECT": os.environ.get(BASELINE_INJECT, "")}
            options.baseline_host = _serve(environment, "the duet's embedded baseline demo API", env).url


def _serve(environment: Any, what: str, env: dict[str, str] | None = None) -> DemoApiProcess:
    demo = start_demo_api(env=env)
    logger.info("perfgate: started %s: %s", what, demo.banner.split(": ", 1)[1])
    atexit.register(demo.stop)
    environment.events.quit.add_listener(lambda **_: demo.stop())
    return demo
