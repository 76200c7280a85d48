"""What Locust only logs, read back from its two log records."""

from __future__ import annotations

import logging
import sys

from perfgate.locust.uncaught import LOGGERS, UncaughtExceptions, summary

TRACE = """Traceback (most recent call last):
  File "/venv/site-packages/locust/event.py", line 45, in fire
    handler(**kwargs)
  File "/ci/locustfile.py", line 12, in seed
    raise RuntimeError("no data: Authorization: Bearer abc.def")
RuntimeError: no data: Authorization: Bearer abc.def
"""


def test_the_summary_is_the_exception_and_its_innermost_frame_redacted():
    assert summary(TRACE) == "RuntimeError: no data: Authorization: *** (/ci/locustfile.py:12 in seed)"
    assert summary("") == "an exception"


def record(message: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("root", logging.ERROR, __file__, 1, message, args, exc_info)  # type: ignore[arg-type]


def test_the_records_locust_writes_are_kept_and_others_are_not():
    handler = UncaughtExceptions()
    handler.handle(record("Uncaught exception in event handler: \n%s", TRACE))
    try:
        {}["token"]
    except KeyError:
        handler.handle(record("Unhandled exception in greenlet: %s", "<Greenlet>", exc_info=sys.exc_info()))
    handler.handle(record("%s\n%s", "a task's exception", TRACE))  # Locust counts those apart
    handler.handle(record("Uncaught exception in event handler: \n%s", TRACE))
    seeding, token = handler.found
    assert seeding.startswith("RuntimeError: no data") and handler.found[seeding] == 2
    assert token.startswith("KeyError: 'token' (") and "in test_the_records" in token and handler.found[token] == 1


def create_build(payload: dict) -> str:
    return payload["token"]


def test_a_tasks_exception_is_named_with_its_type_and_the_line_that_raised_it():
    """Locust keeps `str(exception)`, which for a KeyError is `'token'` alone."""
    handler = UncaughtExceptions()
    for _ in range(3):
        try:
            create_build({})
        except KeyError as error:
            handler.task_raised(exception=error, tb=error.__traceback__, user_instance=None)
    (line,) = handler.found
    assert line.startswith("KeyError: 'token' (") and line.endswith(" in create_build)"), line
    assert "test_uncaught.py:" in line and handler.found[line] == 3


def test_a_greenlet_that_died_is_counted_once_whether_or_not_locusts_logger_propagates():
    """Locust's log setup stops its loggers' records at "locust"; with --skip-log-setup they go
    on to the root as well, and are the same record there."""
    handler = UncaughtExceptions()
    handler.attach()
    locust_logger = logging.getLogger("locust")
    kept = locust_logger.propagate
    try:
        for propagate in (False, True):
            locust_logger.propagate = propagate
            try:
                [][1]
            except IndexError:
                logging.getLogger("locust.runners").critical(
                    "Unhandled exception in greenlet: %s", "<Greenlet shape_worker>", exc_info=sys.exc_info()
                )
    finally:
        locust_logger.propagate = kept
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
    (line,) = handler.found
    assert line.startswith("IndexError: list index out of range (") and handler.found[line] == 2, handler.found
