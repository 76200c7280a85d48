"""Capacity search as pure data: each step of `load.stages` is judged on its own stats, after it
settles, by the profile's thresholds; the first step that breaks one ends the search, and the
capacity is the highest step before it that held.

A step is judged on everything it measured after settling (cumulative snapshots subtracted, as the
live gate does), so a one-second blip inside a step does not break it while a breach sustained over
the step does. A check that lacks requests on a step is inconclusive there and does not break it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from perfgate.core.evaluate import evaluate
from perfgate.core.metrics import TRENDED_PERCENTILES, format_value, percentiles
from perfgate.core.model import CheckKind, CheckResult, Snapshot, Status
from perfgate.core.profile import Profile
from perfgate.core.records import CapacitySummary, StepSummary
from perfgate.core.stages import Step

SETTLE_MARGIN_S = 2.0


@dataclass
class StepOutcome:
    step: Step
    judged_from_s: float
    judged_to_s: float
    requests: int
    rps: float
    error_rate: float
    percentiles: dict[str, dict[str, float]]  # endpoint -> {"p50": ms, ...}
    failed: list[CheckResult]
    held: bool

    def to_dict(self) -> StepSummary:
        return {
            "step": self.step.index,
            "label": self.step.label,
            "users": self.step.users,
            "judged_s": [round(self.judged_from_s, 3), round(self.judged_to_s, 3)],
            "requests": self.requests,
            "rps": round(self.rps, 3),
            "error_rate": round(self.error_rate, 5),
            "percentiles": self.percentiles,
            "status": "held" if self.held else "broke",
            "failed": [f"{c.endpoint} {c.metric} {c.limit}: {c.message}" for c in self.failed],
        }


@dataclass
class CapacitySearch:
    profile: Profile
    steps: list[Step]
    outcomes: list[StepOutcome] = field(default_factory=list)
    settled: dict[int, Snapshot] = field(default_factory=dict)

    def settle_s(self, step: Step) -> float:
        chosen = self.profile.capacity.settle_s
        return chosen if chosen is not None else step.spawn_s + SETTLE_MARGIN_S

    @property
    def broke(self) -> StepOutcome | None:
        return next((o for o in self.outcomes if not o.held), None)

    @property
    def held(self) -> StepOutcome | None:
        """The highest step that held, before the first one that broke."""
        holding = [o for o in self.outcomes if o.held]
        return max(holding, key=lambda o: (o.step.users, o.rps)) if holding else None

    def _pending(self) -> list[Step]:
        return self.steps[len(self.outcomes) :]  # steps are judged in order, each once

    def due(self, at_s: float) -> bool:
        """Whether a snapshot taken now would settle or end a step: the shape takes one only then
        (copying every endpoint's histogram each second would cost the live master for nothing)."""
        return any(
            (step.index not in self.settled and at_s >= step.start_s + self.settle_s(step))
            or (step.index in self.settled and at_s >= step.end_s)
            for step in self._pending()
        )

    def observe(self, snapshot: Snapshot) -> bool:
        """Takes a cumulative snapshot; True once a step broke."""
        for step in self._pending():
            if step.index not in self.settled and snapshot.at_s >= step.start_s + self.settle_s(step):
                self.settled[step.index] = snapshot
            if step.index in self.settled and snapshot.at_s >= step.end_s:
                self.outcomes.append(self._judge(step, snapshot.minus(self.settled.pop(step.index))))
        return self.broke is not None

    def _judge(self, step: Step, stats: Snapshot) -> StepOutcome:
        checks = evaluate(self.profile, stats)
        failed = [c for c in checks if c.status == Status.FAIL]
        duration = stats.duration_s
        return StepOutcome(
            step=step,
            judged_from_s=stats.at_s - duration,
            judged_to_s=stats.at_s,
            requests=stats.total.requests,
            rps=stats.total.requests / duration if duration > 0 else 0.0,
            error_rate=stats.total.error_rate,
            percentiles={
                key: percentiles(e, TRENDED_PERCENTILES) for key, e in sorted(stats.endpoints.items()) if e.requests
            },
            failed=failed,
            held=not failed,
        )

    def checks(self) -> list[CheckResult]:
        """The capacity the run showed against capacity.min_users / min_rps (what decides the verdict)."""
        held, broke = self.held, self.broke
        if held is None and broke is None:
            message = "no step ran long enough to be judged: the run ended before the first step was over"
            judged = CheckResult("capacity", "users", "a judged step", None, Status.INCONCLUSIVE, message)
            return [replace(judged, kind=CheckKind.CAPACITY)]
        users = held.step.users if held else 0
        rps = held.rps if held else 0.0
        found = f"capacity {users} users, {rps:.1f} rps"
        found += f"; step {broke.step.index} ({broke.step.users} users) broke {_first(broke)}" if broke else ""
        found += "" if broke else "; no step broke, so the capacity is at least this (add higher steps)"
        minimums = self.profile.capacity
        wanted = [("users", minimums.min_users, float(users)), ("rps", minimums.min_rps, rps)]
        checks = [
            CheckResult(
                "capacity",
                metric,
                f">= {format_value(metric, float(minimum))}",
                actual,
                Status.PASS if actual >= minimum else Status.FAIL,
                found,
                kind=CheckKind.CAPACITY,
            )
            for metric, minimum, actual in wanted
            if minimum is not None
        ]
        passed = CheckResult("capacity", "users", "none set", float(users), Status.PASS, found, kind=CheckKind.CAPACITY)
        return checks or [passed]

    def to_dict(self) -> CapacitySummary:
        held, broke = self.held, self.broke
        return {
            "users": held.step.users if held else 0,
            "rps": round(held.rps, 3) if held else 0.0,
            "p95": {key: values["p95"] for key, values in held.percentiles.items()} if held else {},
            "held_step": held.step.index if held else None,
            "broke_step": broke.step.index if broke else None,
            "first_failure": _first(broke) if broke else None,
            "min_users": self.profile.capacity.min_users,
            "min_rps": self.profile.capacity.min_rps,
            "steps": [outcome.to_dict() for outcome in self.outcomes],
        }


def _first(outcome: StepOutcome) -> str:
    check = outcome.failed[0]
    return f"{check.endpoint} {check.metric} {check.limit} ({check.message})"
