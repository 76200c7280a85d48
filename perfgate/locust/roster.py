"""Who took part in a test: the locustfile's user classes and the most users each had at once, and
on a master the workers that came, stayed and were lost. The gate asks it every live interval and
once when the test stops; the verdict reads it for its participation, load and workers checks."""

from __future__ import annotations

from typing import Any

from locust.runners import STATE_MISSING

from perfgate.core.observations import WorkerPresence
from perfgate.core.participation import Participation
from perfgate.locust.duet import is_twin
from perfgate.locust.user_classes import (
    class_counts,
    classes_left_out,
    configured_classes,
    declared_tasks,
    foreign_classes,
    left_out,
    user_class,
)


class Roster:
    def __init__(self, environment: Any, master: bool):
        self.environment = environment
        self.master = master
        self.declared_tasks = declared_tasks(self.user_classes())  # before Locust's tag filter
        self.workers = WorkerPresence()
        self.class_peaks: dict[str, int] = {}  # the most users of each class at once

    def new_test(self) -> None:
        """A web UI run's next test: nobody has taken part in it yet."""
        self.workers = WorkerPresence()
        self.class_peaks = {}

    def user_classes(self) -> list[type]:
        """The locustfile's classes (a duet's twins are the same classes on the other side)."""
        return [cls for cls in self.environment.user_classes if not is_twin(cls)]

    def track(self) -> None:
        for name, count in class_counts(self.environment.runner).items():
            self.class_peaks[name] = max(self.class_peaks.get(name, 0), count)
        if not self.master:
            return
        clients = self.environment.runner.clients
        present = {node.id for node in clients.all if node.state != STATE_MISSING}
        self.workers.observe(present, {node.id for node in clients.missing})

    def worker_connected(self, worker: str) -> None:
        self.workers.connected(worker)

    def peaks(self) -> dict[str, int]:
        """Each of the locustfile's classes in the run with its most users at once (0: it never ran)."""
        return {cls.__name__: self.class_peaks.get(cls.__name__, 0) for cls in self.user_classes()}

    def foreign_classes(self) -> tuple[str, ...]:
        """Classes that workers of another run reported (a master's)."""
        return foreign_classes(self.environment, self.class_peaks) if self.master else ()

    def participation(self, users_defaulted: bool) -> Participation:
        options = self.environment.parsed_options
        shaped = self.environment.shape_class is not None
        users = None if shaped else (options.num_users or getattr(self.environment.runner, "target_user_count", None))
        configured = configured_classes(options)
        classes = tuple(
            user_class(cls, self.class_peaks.get(cls.__name__, 0), configured) for cls in self.user_classes()
        )
        tags = [("--tags", options.tags), ("--exclude-tags", options.exclude_tags)]
        tag_filter = " ".join(f"{option} {' '.join(chosen)}" for option, chosen in tags if chosen)
        tasks_left_out = left_out(self.declared_tasks) if tag_filter else ()  # only tags take tasks out
        absent = classes_left_out(self.environment, options)
        return Participation(classes, users, users_defaulted, tasks_left_out, tag_filter, absent)
