"""What a run observed beyond its request stats, and the decision of when that makes it unable to
support a verdict (exit code 5): pure, fed by the Locust side, tested with plain data.

- The load generator's CPU: two samples in a row above settings.max_generator_cpu on any process
  (the local runner, the master, a worker by its heartbeat) saturate it; a saturated generator
  measures its own queueing delay.
- Workers: a worker that stops sending heartbeats (killed, frozen, cut off) or quits mid-run is
  lost; a master that never had --expect-workers of them ran a different test.
- The run itself: interrupted by a signal before its planned end, or ended early for no reason of
  its own (an abort or a capacity step that broke are reasons); the locustfile raised.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from perfgate.core.metrics import INTERRUPTED, RUN_TIME
from perfgate.core.model import CheckKind, CheckResult, Status

EARLY_END_S = 2.0  # a run that ends this much before its plan did not run as planned
LATE_SIGNAL_S = 1.0  # a SIGTERM this close to the planned end is the end, not an interruption
EXCEPTION_KINDS_SHOWN = 3  # kinds of exception a verdict names; the count covers them all


@dataclass
class GeneratorCpu:
    """CPU readings of every load-generating process, and the first saturation they showed."""

    limit: float
    hot: dict[str, int] = field(default_factory=dict)  # process -> samples in a row above the limit
    saturation: str | None = None

    def observe(self, readings: dict[str, float], at_s: float) -> None:
        for process, cpu in readings.items():
            self.hot[process] = self.hot.get(process, 0) + 1 if cpu > self.limit else 0
            if self.hot[process] >= 2 and self.saturation is None:
                self.saturation = f"{process} ran above {self.limit:g}% CPU ({cpu:.0f}%) at {at_s:.0f}s"

    def warned(self, message: str) -> None:
        """Locust's own warning (its monitor samples every 10 s): counts when ours saw nothing."""
        self.saturation = self.saturation or message


@dataclass
class WorkerPresence:
    """The workers of a master: every one seen, the most present at once, and those lost."""

    seen: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)
    peak: int = 0

    def connected(self, worker: str) -> None:
        """Counted as they connect: a master that gives up waiting for the rest removes them all."""
        self.seen.add(worker)
        self.peak = max(self.peak, len(self.seen - self.lost))

    def observe(self, present: set[str], missing: set[str]) -> None:
        """`present`: workers in any state but missing; `missing`: no heartbeat. A worker seen
        before and present no longer quit mid-run (workers quit on their own only after the test)."""
        self.peak = max(self.peak, len(present))
        self.lost |= missing | (self.seen - present)
        self.seen |= present


@dataclass
class LoopTiming:
    """The live loop's own ticks: how late each woke against its plan, how long its work took. A
    loop whose work outgrows its interval judges stale windows and aborts late."""

    interval_s: float
    late_ms: list[float] = field(default_factory=list)
    work_ms: list[float] = field(default_factory=list)

    def tick(self, late_s: float, work_s: float) -> None:
        self.late_ms.append(late_s * 1000)
        self.work_ms.append(work_s * 1000)

    def summary(self) -> dict[str, float]:
        if not self.work_ms:
            return {"ticks": 0, "interval_s": self.interval_s}
        return {
            "ticks": len(self.work_ms),
            "interval_s": self.interval_s,
            "work_ms_median": round(statistics.median(self.work_ms), 3),
            "work_ms_max": round(max(self.work_ms), 3),
            "late_ms_median": round(statistics.median(self.late_ms), 3),
            "late_ms_max": round(max(self.late_ms), 3),
        }


@dataclass(frozen=True)
class RunObservations:
    """Everything besides request stats that decides whether a run can support a verdict."""

    duration_s: float
    planned_s: float | None  # None: the run ends on its own terms (no --run-time, --iterations)
    started: bool = True  # the test started (a master can give up waiting for workers first)
    interrupted: bool = False
    judge_interrupted: bool = False  # settings.on_interrupt: judge
    ended_by_the_run: bool = False  # an abort or a capacity step that broke ended it early
    stopped_from: str | None = None  # where the locustfile's code stopped the run (file:line (function))
    exception_lines: tuple[tuple[str, int], ...] = ()  # each unhandled exception's summary, and how many times
    unhandled: bool = False  # Locust saw an unhandled greenlet exception
    saturation: str | None = None
    max_generator_cpu: float = 90.0
    workers_expected: int = 0  # --expect-workers on a master (at least 1), 0 on a local runner
    workers_peak: int = 0
    workers_lost: tuple[str, ...] = ()
    foreign_classes: tuple[str, ...] = ()  # user classes workers reported that the locustfile does not define
    processes: int = 0  # --processes N: the workers a master forked itself, and no others
    expect_workers_wait_s: float = 0.0


def interrupted(still_running: bool, signalled_at_s: float | None, planned_s: float | None) -> bool:
    """Stopped by a signal before its planned end. A master, and a run a shape drives, stop their
    runner before they quit, so the signal tells what the runner's state cannot; one after the
    planned end (Compose stopping the master while it writes its reports) is not an interruption."""
    if still_running:
        return True
    return signalled_at_s is not None and (planned_s is None or signalled_at_s < planned_s - LATE_SIGNAL_S)


def _inconclusive(metric: str, limit: str, actual: float | None, message: str) -> CheckResult:
    return CheckResult("run", metric, limit, actual, Status.INCONCLUSIVE, message, kind=CheckKind.RUN)


def _exceptions_named(lines: tuple[tuple[str, int], ...]) -> str:
    """Each kind once, with how many times when more than once, the first few kinds only: one
    that fires on every request would otherwise fill the message with copies."""
    counts: Counter[str] = Counter()
    for line, count in lines:
        counts[line] += count
    named = [line if count == 1 else f"{count:,} x {line}" for line, count in counts.items()]
    more = len(named) - EXCEPTION_KINDS_SHOWN
    return "; ".join(named[:EXCEPTION_KINDS_SHOWN]) + (f"; and {more} more kind(s)" if more > 0 else "")


def run_checks(seen: RunObservations) -> list[CheckResult]:
    """The run-level checks that make a run inconclusive (DESIGN.md, exit code 5)."""
    checks = []
    raised = sum(count for _, count in seen.exception_lines)
    if raised or seen.unhandled:
        hidden = "see Locust's log (it logs them at ERROR: a higher --loglevel hides them)"
        where = _exceptions_named(seen.exception_lines) or hidden
        how_many = f"{raised:,}" if raised else "an"
        message = f"the locustfile raised {how_many} unhandled exception(s): {where}"
        # Locust flags an exception whose log record the log level hid: how many is unknown then
        checks.append(_inconclusive("exceptions", "= 0", float(raised) or None, message))
    if seen.saturation:
        message = (
            f"{seen.saturation}: a saturated load generator measures its own queueing delay; "
            "add workers, fewer users per worker, or FastHttpUser"
        )
        checks.append(_inconclusive("generator_cpu", f"< {seen.max_generator_cpu:g}%", None, message))
    if seen.workers_lost:
        lost = ", ".join(sorted(seen.workers_lost))
        checks.append(_inconclusive("workers", "none lost", float(len(seen.workers_lost)), f"workers lost: {lost}"))
    strangers = seen.processes and seen.workers_peak > seen.processes
    if seen.foreign_classes or strangers:
        if seen.foreign_classes:
            who = f"workers running user classes this locustfile does not define ({', '.join(seen.foreign_classes)})"
        else:
            who = f"{seen.workers_peak} workers, where --processes forked {seen.processes},"
        message = (
            f"{who} took part: another Locust run on this machine shares the master's port (5557 by default); "
            "give each run its own --master-bind-port and --master-port"
        )
        checks.append(_inconclusive("workers", "this run's own", float(seen.workers_peak), message))
    expected = seen.workers_expected
    if expected and seen.workers_peak < expected:
        message = f"only {seen.workers_peak} of --expect-workers {expected} workers took part"
        if not seen.started:
            message = (
                f"only {seen.workers_peak} of --expect-workers {expected} workers connected within "
                f"--expect-workers-max-wait {seen.expect_workers_wait_s:g}s: the test never started"
            )
        checks.append(_inconclusive("workers", f">= {expected}", float(seen.workers_peak), message))
    planned = seen.planned_s
    if seen.interrupted:  # judged as it stands only when the profile says so (the result warns then)
        message = f"the run was interrupted (SIGINT/SIGTERM) after {seen.duration_s:.1f}s"
        message += f" of the planned {planned:g}s" if planned else ""
        message += "; settings.on_interrupt: judge would judge what it measured"
        if not seen.judge_interrupted:
            checks.append(_inconclusive(INTERRUPTED, "no", seen.duration_s, message))
    elif planned and seen.started and seen.duration_s < planned - EARLY_END_S and not seen.ended_by_the_run:
        message = f"the run stopped after {seen.duration_s:.1f}s of the planned {planned:g}s"
        if seen.stopped_from:
            message += f": stopped by the code at {seen.stopped_from}"
        elif seen.workers_expected:  # a master, which stops when its last worker quits
            message += " (did the last worker quit?)"
        checks.append(_inconclusive(RUN_TIME, f">= {planned:g}s", seen.duration_s, message))
    return checks
