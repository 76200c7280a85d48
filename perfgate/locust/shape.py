"""The profile's `load.stages` as a Locust LoadTestShape, on the local runner or the master.

The plugin installs it at `init` (a locustfile needs no shape class of its own); Locust calls
`tick()` about once a second. In capacity mode a tick that settles or ends a step hands a snapshot
of the stats, timed on the shape's own clock (the one the steps are planned on), to the
CapacitySearch, and the shape ends the test once a step broke.
"""

from __future__ import annotations

from collections.abc import Callable

from locust import LoadTestShape

from perfgate.core.capacity import CapacitySearch
from perfgate.core.model import Snapshot
from perfgate.core.stages import Step, step_at


class ProfileShape(LoadTestShape):
    abstract = True  # never picked up from a locustfile's namespace: the plugin installs it

    def __init__(self, steps: list[Step], search: CapacitySearch | None, snapshot: Callable[[float], Snapshot]) -> None:
        super().__init__()
        self.steps = steps
        self.search = search
        self.snapshot = snapshot
        self.reached: list[Step] = []  # the steps the run entered, in order

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        if self.search is not None and self.search.due(elapsed) and self.search.observe(self.snapshot(elapsed)):
            return None
        current = step_at(self.steps, elapsed)
        if current is None:
            return None
        if not self.reached or self.reached[-1] is not current:
            self.reached.append(current)
        return current.users, current.spawn_rate
