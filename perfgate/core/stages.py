"""Load shapes from a profile's `load.stages`, as a plan of steps (pure: the Locust shape in
perfgate/shape.py only reads it).

Each stage moves the user count from the level the previous stage left (0 at the start) to its
`users`, at `spawn_rate` users per second, and holds it until the stage's `duration` is over:
- ramp: a straight line to `users` over the whole duration (the default rate spreads the change
  over it);
- step, soak: reach `users` quickly (by default within a fifth of the duration), then hold; a soak is
  a long step, named so the report says what it was for;
- spike: reach `users` at once (by default in 1 s) and hold; the next stage says where the load goes
  after it;
- steps: climb from the current level to `users` in increments of `by`, each step held for
  `duration` (a stress test, and the unit a capacity search judges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from perfgate.core.units import parse_duration_s

SPIKE_SECONDS = 1.0
STEP_SPAWN_SHARE = 0.2  # a step reaches its level within this share of its duration by default


@dataclass(frozen=True)
class Stage:
    kind: str  # ramp | step | spike | soak | steps
    users: int
    duration_s: float
    spawn_rate: float | None = None
    by: int | None = None


@dataclass(frozen=True)
class Step:
    """One target the runner is told to reach at `spawn_rate` and hold from `start_s` to `end_s`."""

    index: int  # 1-based
    label: str  # "ramp", "steps 3/8", ...
    start_s: float
    end_s: float
    users: int
    spawn_rate: float
    change: int = 0  # users added or stopped on entering the step

    @property
    def spawn_s(self) -> float:
        """How long the runner takes to reach `users` from the previous level, at most the step."""
        return min(self.end_s - self.start_s, self.change / self.spawn_rate)


def stage_of(data: dict[str, Any]) -> Stage:
    """A stage as the (already schema-checked) profile writes it."""
    return Stage(
        kind=data["type"],
        users=data["users"],
        duration_s=parse_duration_s(data["duration"]),
        spawn_rate=data.get("spawn_rate"),
        by=data.get("by"),
    )


def stage_problem(stage: Stage) -> str | None:
    """What is wrong with a schema-valid stage, or None."""
    if stage.duration_s <= 0:
        return "duration: expected more than 0s"
    if stage.kind == "steps" and stage.by is None:
        return "by: a steps stage needs the users added per step (by: 25)"
    if stage.kind != "steps" and stage.by is not None:
        return f"by: only a steps stage climbs in increments; found by on a {stage.kind} stage"
    return None


def _rate(stage: Stage, change: int, hold_s: float) -> float:
    if stage.spawn_rate is not None:
        return float(stage.spawn_rate)
    if change == 0:
        return 1.0
    seconds = {"ramp": hold_s, "spike": SPIKE_SECONDS}.get(stage.kind, hold_s * STEP_SPAWN_SHARE)
    return max(change / max(seconds, 1e-3), 0.1)


def plan(stages: list[Stage]) -> list[Step]:
    steps: list[Step] = []
    level, clock = 0, 0.0
    for stage in stages:
        if stage.kind == "steps":
            assert stage.by is not None
            direction = 1 if stage.users >= level else -1
            count = max(1, math.ceil(abs(stage.users - level) / stage.by))
            targets = [level + direction * stage.by * (i + 1) for i in range(count - 1)] + [stage.users]
            labels = [f"steps {i + 1}/{count}" for i in range(count)]
        else:
            targets, labels = [stage.users], [stage.kind]
        for users, label in zip(targets, labels, strict=True):
            change = abs(users - level)
            rate = _rate(stage, change, stage.duration_s)
            steps.append(Step(len(steps) + 1, label, clock, clock + stage.duration_s, users, rate, change))
            level, clock = users, clock + stage.duration_s
    return steps


def step_at(steps: list[Step], elapsed_s: float) -> Step | None:
    """The step in force `elapsed_s` after the start; None once the plan is over."""
    for step in steps:
        if elapsed_s < step.end_s:
            return step
    return None


def total_s(steps: list[Step]) -> float:
    return steps[-1].end_s if steps else 0.0
