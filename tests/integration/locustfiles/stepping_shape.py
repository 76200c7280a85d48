"""steady.py driven by a load shape that changes its users every second, for `--processes` runs:
each worker writes, when it quits, how many spawn messages it handled and how many times Locust
built its argument parser meanwhile (Locust's worker built it once per option the master sent, at
every spawn message)."""

import json
import os
from pathlib import Path

from locust import LoadTestShape, argument_parser, events
from locust.runners import WorkerRunner
from steady import Pinger  # noqa: F401

COUNTS = {"spawn_messages": 0, "parsers_built": 0}
_build, _handle = argument_parser.setup_parser_arguments, WorkerRunner.handle_message


def _counted_build(*args, **kwargs):
    COUNTS["parsers_built"] += 1
    return _build(*args, **kwargs)


def _counted_handle(self, msg):
    COUNTS["spawn_messages"] += msg.type == "spawn"
    return _handle(self, msg)


argument_parser.setup_parser_arguments = _counted_build
WorkerRunner.handle_message = _counted_handle


@events.init.add_listener
def _from_the_fork(runner, **_):
    if isinstance(runner, WorkerRunner):  # the master built its own parser before it forked
        COUNTS.update(spawn_messages=0, parsers_built=0)


@events.quitting.add_listener
def _write(environment, **_):
    if isinstance(environment.runner, WorkerRunner):
        Path(f"worker-{os.getpid()}.json").write_text(json.dumps(COUNTS))


class EverySecond(LoadTestShape):
    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        return (2 + int(run_time) % 2, 10) if run_time < 6 else None
