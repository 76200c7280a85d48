"""Ctrl-C and SIGTERM during a gated run: when the first came (a run stopped by a signal before its
planned end is interrupted, which its runner's state cannot tell once a master or a shape has
stopped it), and a second Ctrl-C while the run winds down, which leaves at once."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import gevent

from perfgate.store.files import WRITES

# a SIGINT this soon after the first is the same one delivered twice, not a second Ctrl-C: GNU
# timeout forwards a signal to its child and to its process group (measured: two SIGINTs 1 ms
# apart ended a run with no report); a person pressing twice takes longer
SAME_SIGINT_S = 0.1


class Interruptions:
    def __init__(self, environment: Any, elapsed: Callable[[], float], exit_code_now: Callable[[], int]):
        self.environment = environment
        self.elapsed = elapsed  # seconds since the test started
        self.exit_code_now = exit_code_now  # the verdict's code if it was reached, else inconclusive's
        self.signalled_at_s: float | None = None  # when SIGTERM or the first SIGINT came
        self.winding_down_since: float | None = None  # monotonic: the first SIGINT, or quitting
        self.installed = False

    def install(self) -> None:
        """At the first test's start: beside Locust's SIGTERM handler, once it has one; a
        locustfile's own SIGINT handler is left alone."""
        if self.installed:
            return
        self.installed = True
        gevent.signal_handler(signal.SIGTERM, self.sigterm)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self.sigint)

    def new_test(self) -> None:
        """A web UI run's next test: a signal noted in an earlier one does not interrupt it."""
        self.signalled_at_s = None

    def note(self) -> None:
        if self.signalled_at_s is None:
            self.signalled_at_s = self.elapsed()

    def sigint(self, *_: Any) -> None:
        """Notes the time, then raises what Python's own handler would (KeyboardInterrupt, which
        Locust handles), from the event loop: raised in a Python frame, gevent would print the
        frame as a traceback. It stays the handler, so that the same SIGINT delivered twice is
        one (SAME_SIGINT_S) and a later one is a second Ctrl-C."""
        if self.winding_down_since is not None:
            self.exit_now()
            return
        self.note()
        self.winding_down_since = time.monotonic()
        # Python's own handler raises it: a builtin, so no frame for gevent to print
        gevent.get_hub().loop.run_callback(signal.default_int_handler, signal.SIGINT, None)

    def sigterm(self) -> None:
        """Notes when SIGTERM came. While a load shape drives a headless run, Locust has no SIGTERM
        handler yet (it waits in shape_greenlet.join() and installs one only after), so this one
        alone would swallow the signal: end the shape, as Ctrl-C does, and Locust stops, quits
        and exits through its usual path, with the reports and the verdict's code."""
        self.note()
        shape = getattr(self.environment.runner, "shape_greenlet", None)
        if self.environment.parsed_options.headless and shape is not None:
            shape.kill(block=False)

    def stopping(self) -> None:
        """The run stops: from here a second Ctrl-C exits at once."""
        signal.signal(signal.SIGINT, self.exit_now)

    def quitting(self) -> None:
        self.winding_down_since = self.winding_down_since or time.monotonic()
        self.stopping()

    def exit_now(self, *_: Any) -> None:
        """A second Ctrl-C while the run winds down: leave at once, with the verdict if it was
        reached (its reports are written before anything else), else inconclusive; no traceback.
        One that follows the first within SAME_SIGINT_S is the first delivered twice: ignored."""
        since = self.winding_down_since
        if since is not None and time.monotonic() - since < SAME_SIGINT_S:
            return
        code = self.exit_code_now()
        print(
            f"perfgate: interrupted again while stopping; exiting now (exit code {code})", file=sys.stderr, flush=True
        )
        WRITES.exit(code)  # at the end of a report write it interrupts

    @staticmethod
    def ignore_from_now() -> None:
        """The exit code is fixed and every report written: from here the process only ends.
        Python puts SIGINT back to its default while it finalizes, where a late Ctrl-C would end
        it with 130 instead of the verdict's code; an ignored signal is left ignored."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
