"""perfgate's listeners on Locust's events: each hands the event to the Gate of its environment.

They are registered at import. `quitting` fires in reverse registration order, and perfgate's
listener must fire last: after the MasterRunner's own one has collected the workers' final reports,
and after any listener of the locustfile or a plugin that sets the exit code (Locust's docs show
one that sets 0 when its own check passes), whenever that was registered. At `init`, when the
locustfile is imported and the runner made, it is moved to the front (docs/design/locust.md).
Workers load this module too (they import the same locustfile) but have no gate: only the local
runner or the master judges.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

from locust import events
from locust.runners import MasterRunner, WorkerRunner

from perfgate.locust import patches
from perfgate.locust.gate import Gate
from perfgate.locust.histograms import send_with_reports
from perfgate.locust.options import add_options


class Gates:
    """The gate of each Locust environment in this process (one, in a `locust` run)."""

    def __init__(self) -> None:
        self._by_environment: weakref.WeakKeyDictionary[Any, Gate] = weakref.WeakKeyDictionary()

    def open(self, environment: Any, runner: Any) -> None:
        gate = Gate.open(environment, runner)
        if gate is not None:
            self._by_environment[environment] = gate

    def of(self, environment: Any) -> Iterator[Gate]:
        gate = self._by_environment.get(environment)
        return iter([gate] if gate is not None else [])

    def __iter__(self) -> Iterator[Gate]:
        """For the events that do not say which environment they are about."""
        return iter(list(self._by_environment.values()))


GATES = Gates()
patches.install()


@events.init_command_line_parser.add_listener
def _add_options(parser: Any, **_: Any) -> None:
    add_options(parser)


@events.init.add_listener
def _on_init(environment: Any, runner: Any = None, **_: Any) -> None:
    if isinstance(runner, MasterRunner | WorkerRunner):
        send_with_reports(environment.events, runner.stats)
    GATES.open(environment, runner)
    fire_last(environment.events.quitting, _on_quitting)


@events.worker_connect.add_listener
def _on_worker_connect(client_id: str, **_: Any) -> None:
    for gate in GATES:
        gate.worker_connected(client_id)


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    for gate in GATES.of(environment):
        gate.test_start()


@events.spawning_complete.add_listener
def _on_spawning_complete(**_: Any) -> None:
    for gate in GATES:
        gate.spawning_complete()


@events.cpu_warning.add_listener
def _on_cpu_warning(environment: Any, cpu_usage: float, **_: Any) -> None:
    for gate in GATES.of(environment):
        gate.cpu_warning(cpu_usage)


@events.test_stopping.add_listener
def _on_test_stopping(environment: Any, **_: Any) -> None:
    for gate in GATES.of(environment):
        gate.test_stopping()


@events.test_stop.add_listener
def _on_test_stop(environment: Any, **_: Any) -> None:
    for gate in GATES.of(environment):
        gate.test_stopped()


@events.reset_stats.add_listener
def _on_reset_stats(**_: Any) -> None:
    for gate in GATES:
        gate.stats_reset()


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    for gate in GATES.of(environment):
        gate.quitting()


def fire_last(hook: Any, listener: Callable[..., None]) -> None:
    """Puts `listener` first in a hook that fires in reverse order (Locust's EventHook keeps its
    listeners in `_handlers`, a list it copies before it fires)."""
    if listener in hook._handlers:
        hook._handlers.remove(listener)
        hook._handlers.insert(0, listener)


@events.quit.add_listener
def _on_quit(**_: Any) -> None:
    for gate in GATES:
        gate.quit()
