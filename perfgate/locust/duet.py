"""A duet (--baseline-host, or duet.baseline_host in the profile): the baseline deployment driven
beside the candidate in the same run, so that what slows the machine slows both (docs/duet.md).

- Every user class gets a twin that runs the same tasks against the baseline host. The host is an
  instance attribute, set before the user's own __init__ builds its client: Locust sets every
  class's `host` to --host whenever a test starts.
- The runner starts both sides: each start asks for twice the users and twice the spawn rate,
  so that -u, load.users and a shape's counts are per side, and the dispatcher gives a class and
  its twin the same weight and fixed_count.
- The twin's requests go to the duet's own RequestStats, told apart by the greenlet that made them
  (each user runs in its own, and so do greenlets it spawns); Locust's tables, CSV and web UI keep
  showing the candidate only. Workers send that second set of stats to the master inside their
  usual stats reports, merged there by Locust's own code for its stats (and perfgate's for its
  histograms).
- A worker needs no option: the master's --baseline-host reaches it with the first spawn message,
  and its twins are made then.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust.event import Events
from locust.runners import STATE_RUNNING, STATE_SPAWNING, WorkerRunner
from locust.stats import RequestStats, setup_distributed_stats_event_listeners

from perfgate.locust.histograms import send_with_reports

logger = logging.getLogger("perfgate")
TWIN_SUFFIX = "@baseline"  # the baseline side's class name: the user class's own, with this
EMBEDDED = "embedded"  # --baseline-host embedded: a second demo API, started by the locustfile
REPORT_KEY = "perfgate_duet"  # the baseline side's stats in a worker's stats report
LOCUST_REQUEST_LISTENER = "Runner.__init__.<locals>.on_request"  # what logs a request into the runner's stats


class DuetError(Exception):
    """A duet that cannot run; the message says what to change."""


def host_problem(host: str) -> str | None:
    """Why `host` cannot be a duet's baseline host, or None."""
    if host == EMBEDDED:
        return None
    parts = urlsplit(host)
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    return f"expected an http(s) URL such as http://127.0.0.1:8001, or {EMBEDDED}, found {host!r}"


def is_twin(user_class: type) -> bool:
    return user_class.__name__.endswith(TWIN_SUFFIX)


class Duet:
    """Both sides of one environment's run: the twins, the baseline side's stats and whose
    requests are whose."""

    def __init__(self, environment: Any):
        self.environment = environment
        self.stats = RequestStats()
        self.greenlets: weakref.WeakSet[Any] = weakref.WeakSet()  # the baseline side's users
        self.twins: dict[type, type] = {}
        self.refused: str | None = None  # why nothing was run, found only when the run started
        self.relay = Events()  # Locust's distributed-stats listeners, run on the duet's own stats
        setup_distributed_stats_event_listeners(self.relay, self.stats)
        send_with_reports(self.relay, self.stats)

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, environment: Any, runner: Any, profile_host: str | None) -> Duet | None:
        """The duet of a local runner or a master, or None when no baseline host is set; a worker
        gets its duet with the first spawn message that names a twin."""
        if isinstance(runner, WorkerRunner):
            cls.await_spawn(environment, runner)
            return None
        options = environment.parsed_options
        if not options.baseline_host:  # the option wins over the profile, and travels to workers
            options.baseline_host = profile_host
        if not options.baseline_host:
            return None
        duet = cls(environment)
        problem = host_problem(duet.host)
        if problem:
            raise DuetError(f"--baseline-host: {problem}")
        duet.add_twins()
        duet.route_requests()
        duet.start_both_sides(runner)
        environment.events.worker_report.add_listener(duet.merge_report)
        return duet

    @classmethod
    def await_spawn(cls, environment: Any, runner: Any) -> None:
        start_worker = runner.start_worker

        def start_with_twins(user_classes_count: dict[str, int], **kwargs: Any) -> None:
            if any(name.endswith(TWIN_SUFFIX) for name in user_classes_count) and not any(
                is_twin(c) for c in environment.user_classes
            ):
                duet = cls(environment)
                duet.add_twins()
                duet.route_requests()
                environment.events.report_to_master.add_listener(duet.add_to_report)
                # a later test of a web UI run starts from zero, as Locust's own stats do
                environment.events.test_start.add_listener(lambda **_: duet.stats.clear_all())
            start_worker(user_classes_count, **kwargs)

        runner.start_worker = start_with_twins

    @property
    def host(self) -> str:
        """Read when users start: an embedded demo API's URL is set after init."""
        return self.environment.parsed_options.baseline_host or ""

    # --- the baseline side --------------------------------------------------------------------

    def add_twins(self) -> None:
        classes = []
        for user_class in self.environment.user_classes:
            self.twins[user_class] = self.twin_of(user_class)
            classes += [user_class, self.twins[user_class]]
        self.environment.user_classes = classes

    def twin_of(self, user_class: type) -> type:
        duet = self

        def __init__(user: Any, *args: Any, **kwargs: Any) -> None:
            user.host = duet.host
            user_class.__init__(user, *args, **kwargs)

        def start(user: Any, group: Any) -> Any:
            greenlet = user_class.start(user, group)
            duet.greenlets.add(greenlet)
            return greenlet

        members = {"__init__": __init__, "start": start, "__module__": user_class.__module__}
        return type(user_class)(user_class.__name__ + TWIN_SUFFIX, (user_class,), members)

    def is_baseline_request(self) -> bool:
        """Made by a baseline user's greenlet, or by a greenlet that one spawned."""
        current = gevent.getcurrent()
        if current in self.greenlets:
            return True
        parent = getattr(current, "spawning_greenlet", None)
        return parent is not None and parent() in self.greenlets

    def route_requests(self) -> None:
        """Locust's own request listener logs into the runner's stats: in its place, one that
        logs the baseline side's requests into the duet's."""
        handlers = self.environment.events.request._handlers
        for index, handler in enumerate(handlers):
            if getattr(handler, "__qualname__", "").endswith(LOCUST_REQUEST_LISTENER):
                handlers[index] = self.routed(handler)
                return
        raise DuetError("Locust's request listener was not found: this Locust version cannot run a duet")

    def routed(self, candidate: Callable[..., None]) -> Callable[..., None]:
        stats = self.stats

        def on_request(
            request_type: str, name: str, response_time: float, response_length: int, exception: Any = None, **kw: Any
        ) -> None:
            if not self.is_baseline_request():
                candidate(request_type, name, response_time, response_length, exception, **kw)
                return
            stats.log_request(request_type, name, response_time, response_length)
            if exception:
                stats.log_error(request_type, name, exception)

        return on_request

    def start_both_sides(self, runner: Any) -> None:
        start = runner.start

        def start_both(
            user_count: int, spawn_rate: float, wait: bool = False, user_classes: list[type] | None = None
        ) -> None:
            if self.host == EMBEDDED:
                self.refused = "--baseline-host embedded, but this locustfile starts no demo API"
                logger.error("perfgate: %s; nothing was run (exit code 2)", self.refused)
                runner.quit()
                return
            if runner.state not in (STATE_RUNNING, STATE_SPAWNING):  # a new test: Locust clears its stats too
                self.stats.clear_all()
            if user_classes is not None:  # a shape's choice of classes: their twins too
                user_classes = [c for user in user_classes for c in (user, self.twins.get(user, user))]
                user_classes = list(dict.fromkeys(user_classes))
            start(user_count * 2, spawn_rate * 2, wait, user_classes)

        runner.start = start_both

    # --- distributed ----------------------------------------------------------------------------

    def add_to_report(self, client_id: str, data: dict[str, Any]) -> None:
        report: dict[str, Any] = {}
        self.relay.report_to_master.fire(client_id=client_id, data=report)
        data[REPORT_KEY] = report

    def merge_report(self, client_id: str, data: dict[str, Any]) -> None:
        if REPORT_KEY in data:
            self.relay.worker_report.fire(client_id=client_id, data=data[REPORT_KEY])

    # --- what the gate reads --------------------------------------------------------------------

    def users(self, peaks: dict[str, int]) -> dict[str, int]:
        """The most users each side had at once (per class, added up), from the gate's class peaks."""
        twins = {twin.__name__ for twin in self.twins.values()}
        return {
            "candidate": sum(n for name, n in peaks.items() if name not in twins),
            "baseline": sum(n for name, n in peaks.items() if name in twins),
        }
