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
LOGGERS = ("", "locust")  # a listener's record goes to the root, a dead greenlet's to a locust.* logger
WIRE_KEY = "perfgate_uncaught"  # in a worker's stats report
_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (.+)$', re.MULTILINE)


def summary(trace: str) -> str:
    """A traceback's last line (the exception itself) and its innermost frame, redacted as a
    report may show them: `RuntimeError: no seed (seed.py:7 in seed)`."""
    frames = _FRAME.findall(trace)
    return _shown(trace, frames[-1] if frames else None)


def _shown(raised: str, frame: tuple[str, object, str] | None) -> str:
    """The last line of `raised`, and where (file, line, function)."""
    lines = raised.strip().splitlines()
    where = f" ({shown_path(frame[0])}:{frame[1]} in {frame[2]})" if frame else ""
    return redact(inert(lines[-1].strip() if lines else "an exception")) + inert(where)


class UncaughtExceptions(logging.Handler):
    """`found` counts each summary (one that fires on every request repeats thousands of times)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.found: Counter[str] = Counter()
        self.last: logging.LogRecord | None = None  # one record reaches both loggers when "locust" propagates

    def install(self, events: Any) -> None:
        """On the loggers and on the tasks' `user_error`."""
        self.attach()
        events.user_error.add_listener(self.task_raised)

    def attach(self) -> None:
        """On the root logger, where a listener's record arrives, and on Locust's own: Locust's log
        setup stops its loggers' records there (a dead greenlet is logged by locust.runners)."""
        for name in LOGGERS:
            logging.getLogger(name).addHandler(self)

    def task_raised(self, exception: BaseException, tb: TracebackType | None, **_: Any) -> None:
        """From the objects: a task that raises on every request does not pay for its traceback's
        text (every frame with its source line) only to have it parsed back."""
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        frame = (tb.tb_frame.f_code.co_filename, tb.tb_lineno, tb.tb_frame.f_code.co_name) if tb else None
        self.found[_shown("".join(traceback.format_exception_only(exception)), frame)] += 1

    def emit(self, record: logging.LogRecord) -> None:
        if record is self.last or not isinstance(record.msg, str) or not record.msg.startswith(_UNCAUGHT):
            return
        self.last = record
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
