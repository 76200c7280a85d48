"""Exceptions the locustfile did not handle, each counted by what was raised and where: a task's
(Locust's `user_error` event; Locust's own record of them keeps `str(exception)`, which for a
`KeyError` is only `'token'`), and those Locust catches outside tasks and only logs: a listener
that raised (a `test_start` that seeds data and gets a 503) or a greenlet of Locust's that died,
for which Locust keeps a flag and nothing else; this handler reads the two log records Locust
writes for them. Workers send theirs to the master with their stats reports."""

from __future__ import annotations

import logging
import re
import traceback
from collections import Counter
from types import TracebackType
from typing import Any

from perfgate.core.inert import inert
from perfgate.core.redact import redact
from perfgate.locust.stopper import shown_path

# how Locust's event hooks and its greenlet exception logger word the records (locust/event.py, log.py)
_UNCAUGHT = ("Uncaught exception in event handler", "Unhandled exception in greenlet")
WIRE_KEY = "perfgate_uncaught"  # in a worker's stats report
_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (.+)$', re.MULTILINE)


def summary(trace: str) -> str:
    """A traceback's last line (the exception itself) and its innermost frame, redacted as a
    report may show them: `RuntimeError: no seed (seed.py:7 in seed)`."""
    lines = trace.strip().splitlines()
    frames = _FRAME.findall(trace)
    where = f" ({shown_path(frames[-1][0])}:{frames[-1][1]} in {frames[-1][2]})" if frames else ""
    return redact(inert(lines[-1].strip() if lines else "an exception")) + inert(where)


class UncaughtExceptions(logging.Handler):
    """`found` counts each summary (one that fires on every request repeats thousands of times)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.found: Counter[str] = Counter()

    def install(self, events: Any) -> None:
        """On the root logger, where both records arrive, and on the tasks' `user_error`."""
        logging.getLogger().addHandler(self)
        events.user_error.add_listener(self.task_raised)

    def task_raised(self, exception: BaseException, tb: TracebackType | None, **_: Any) -> None:
        self.found[summary("".join(traceback.format_exception(type(exception), exception, tb)))] += 1

    def emit(self, record: logging.LogRecord) -> None:
        if not isinstance(record.msg, str) or not record.msg.startswith(_UNCAUGHT):
            return
        if record.exc_info and record.exc_info[1] is not None:
            trace = "".join(traceback.format_exception(*record.exc_info))
        else:
            trace = record.getMessage()
        self.found[summary(trace)] += 1

    def relay(self, events: Any) -> None:
        """A worker's: what it found since its last stats report goes with the next one, as
        Locust sends a task's exceptions (listeners and greenlets raise on workers too)."""

        def add_to_report(data: dict[str, Any], **_: Any) -> None:
            if self.found:
                data[WIRE_KEY], self.found = dict(self.found), Counter()

        events.report_to_master.add_listener(add_to_report)

    def gather(self, events: Any) -> None:
        """A master's: what its workers found, beside its own."""
        events.worker_report.add_listener(lambda data, **_: self.found.update(data.get(WIRE_KEY, {})))
