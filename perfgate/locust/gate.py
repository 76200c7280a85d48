"""The gate of one Locust environment: on the local runner or the master of a distributed run it
loads the profile and baseline at `init`, runs the live loop (time line, warm-up, windows, aborts,
the generator's CPU, workers, user classes), and at `quitting` judges the run, delivers the reports
and sets the exit code. Workers have no gate: they only apply the profile's request timeout.

Decisions are the core's (evaluation, the live monitor, capacity, whether a run is inconclusive):
this module gathers what Locust knows into the core's plain records and acts on the answers.
"""

from __future__ import annotations

import atexit
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import gevent
import locust
import psutil
from locust import log as locust_log
from locust.runners import (
    STATE_CLEANUP,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    STATE_STOPPING,
    MasterRunner,
    WorkerRunner,
)

from perfgate.config.profile import ProfileError, load_profile
from perfgate.core.assemble import RunFacts, assemble
from perfgate.core.baseline import FIRST_BASELINE_HINT, Baseline, BaselineError
from perfgate.core.capacity import CapacitySearch
from perfgate.core.evaluate import settled_exit_code
from perfgate.core.live import LiveMonitor, empty_snapshot
from perfgate.core.model import CONFIG_ERROR_EXIT_CODE, VERDICT_EXIT_CODES, Refusal, Result, Snapshot, Verdict
from perfgate.core.observations import (
    GeneratorCpu,
    LoopTiming,
    RunObservations,
    interrupted,
    run_checks,
)
from perfgate.core.profile import LoadDefaults, Profile
from perfgate.core.redact import redact
from perfgate.core.stages import total_s
from perfgate.locust import web_tab
from perfgate.locust.duet import Duet, DuetError
from perfgate.locust.interruptions import Interruptions
from perfgate.locust.patches import RequestTimeout
from perfgate.locust.report_clashes import overwritten_reports
from perfgate.locust.resets import Resets
from perfgate.locust.roster import Roster
from perfgate.locust.shape import ProfileShape
from perfgate.locust.stats import snapshot_of, top_errors
from perfgate.locust.stopper import stopped_here
from perfgate.locust.uncaught import UncaughtExceptions
from perfgate.report import console
from perfgate.report.live_view import live_rows, verdict_rows
from perfgate.report.output import Destinations, deliver, deliver_refusal
from perfgate.report.terminal import Escaping
from perfgate.store.history import default_history, load_baseline
from perfgate.version import __version__

logger = logging.getLogger("perfgate")
JUDGE = "judge"  # settings.on_interrupt: judge an interrupted run on what it measured
STOPPING_STATES = (STATE_STOPPING, STATE_STOPPED, STATE_CLEANUP)
LOCUST_EXIT_CODE_ON_ERROR = 1  # Locust's default for --exit-code-on-error
VERDICT_WAIT_S = 10.0  # a web UI test's verdict: as long as a master waits for its workers' last stats, at most


class Gate:
    def __init__(
        self,
        environment: Any,
        profile: Profile,
        baseline: Baseline | None,
        baseline_note: str | None,
        duet: Duet | None = None,
    ):
        self.environment = environment
        self.duet = duet  # --baseline-host: the baseline side, driven beside the candidate
        self.options = environment.parsed_options
        self.profile = profile
        self.baseline = baseline
        self.baseline_note = baseline_note  # why an optional baseline is not used
        self.master = isinstance(environment.runner, MasterRunner)
        self.shape: ProfileShape | None = None  # the profile's load.stages, when it has them
        self.capacity: CapacitySearch | None = None  # load.mode capacity
        self.users_defaulted = False  # nothing set a user count: Locust's headless default of 1
        self.roster = Roster(environment, self.master)
        self.cpu = GeneratorCpu(profile.settings.max_generator_cpu)
        self.started_at: float | None = None  # wall clock, for the report
        self.started: float | None = None  # monotonic
        self.stopped: float | None = None
        # when every user had stopped (test_stop): after --stop-timeout lets them finish their
        # tasks, whose requests Locust counts; a master's quit fires it without waiting for them
        self.ended: float | None = None
        self.stopped_from: str | None = None  # the locustfile's code that stopped the run, when it did
        self.uncaught = UncaughtExceptions()  # what listeners and Locust's greenlets raised (only logged)
        self.monitor = LiveMonitor(profile)
        self.loop_timing = LoopTiming(profile.settings.evaluate_every_s)
        self.loop: Any = None
        self.process: psutil.Process | None = None
        self.interruptions = Interruptions(environment, self.elapsed, self.exit_code_now)
        self.result: Result | None = None
        self.printed = False
        self.exit_code: int | None = None  # what perfgate last set as the process's exit code
        self.exit_code_by_another: int | None = None  # what another quitting listener set before it
        self.judged: list[Result] = []  # each test of a web UI run, in order; headless runs have one at quit
        self.reset_at_s: float | None = None  # when a reset of Locust's stats restarted the measurement
        self.resets = Resets(environment.runner.stats)

    # --- init ------------------------------------------------------------------------------

    @classmethod
    def open(cls, environment: Any, runner: Any) -> Gate | None:
        """The gate of this environment, or None (a worker, no profile); exit 2 on a profile or
        baseline that cannot be used, before any request is sent."""
        # Locust schedules --run-time right after init, from the time gevent's loop cached when it
        # last ran; a start slowed by imports on a busy CI runner leaves that seconds stale and the
        # run ends early (measured: -t 5s ran 1.3-1.7 s with ten Locust processes starting at once)
        gevent.get_hub().loop.update_now()
        options = environment.parsed_options
        if options is None:
            return None
        if isinstance(runner, WorkerRunner):
            environment.events.test_start.add_listener(lambda **_: _apply_masters_request_timeout(options))
            uncaught = UncaughtExceptions()
            uncaught.install(environment.events)
            uncaught.relay(environment.events)
            Duet.open(environment, runner, None)
            return None
        if not options.thresholds:
            mistaken = getattr(options, "profile", None)  # Locust's --profile names a group of test runs
            if mistaken and mistaken.endswith((".yaml", ".yml")):
                refuse(
                    runner,
                    [
                        f"--profile {mistaken} is Locust's (a name that groups test runs): give "
                        f"perfgate's threshold profile as --thresholds {mistaken}"
                    ],
                    "no --thresholds",
                )
            logger.warning("perfgate: no --thresholds profile given; this run is not gated")
            return None
        try:
            profile = load_profile(options.thresholds)
        except ProfileError as error:
            refuse(runner, error.problems, "invalid profile")
        baseline, note = None, None
        if options.baseline:
            try:
                baseline = load_baseline(options.baseline, options.history or default_history(), profile.path)
            except BaselineError as error:
                if not options.baseline_optional:
                    refuse(runner, [f"{error}; {FIRST_BASELINE_HINT}"], "unusable baseline")
                note = f"no baseline compared ({error}); --baseline-optional: gated on thresholds only"
                logger.warning("perfgate: %s", note)
        try:
            duet = Duet.open(environment, runner, profile.baseline_host)
        except DuetError as error:
            refuse(runner, [str(error)], "a duet that cannot run")
        if duet is not None and profile.load.mode == "capacity":
            problem = (
                f"{options.thresholds}: load.mode capacity searches for a load, a duet compares two builds under one"
            )
            refuse(runner, [f"{problem}: run them apart"], "a duet in capacity mode")
        gate = cls(environment, profile, baseline, note, duet)
        gate.uncaught.install(environment.events)
        gate.uncaught.gather(environment.events)
        apply_load_defaults(options, profile.load)
        clashes = overwritten_reports(options)
        if clashes:
            refuse(runner, clashes, "a report that would be overwritten")
        RequestTimeout.apply(profile.settings.request_timeout_s)
        options.request_timeout_of_master = profile.settings.request_timeout_s
        if profile.load.steps:
            gate.install_shape(runner)
        gate.users_defaulted = bool(options.headless) and options.num_users is None and environment.shape_class is None
        logger.info("perfgate: gating on %s (%d rules)", options.thresholds, len(profile.rules))
        if gate.master and options.headless and options.expect_workers:
            atexit.register(gate.gave_up_on_workers)
        if environment.web_ui is not None:
            web_tab.install(environment.web_ui, gate.tab_rows, gate.reports_of)
        return gate

    def install_shape(self, runner: Any) -> None:
        """The profile's load.stages drive the run (a locustfile that has its own shape class is
        refused: two shapes cannot both decide the user count)."""
        thresholds = self.options.thresholds
        if self.environment.shape_class is not None:
            own = type(self.environment.shape_class).__name__
            refuse(
                runner,
                [f"{thresholds}: load.stages and the locustfile's {own} both shape the load; remove one"],
                "two load shapes",
            )
        steps = list(self.profile.load.steps)
        self.capacity = CapacitySearch(self.profile, steps) if self.profile.load.mode == "capacity" else None
        self.shape = ProfileShape(steps, self.capacity, lambda at_s: snapshot_of(self.environment.runner.stats, at_s))
        self.shape.runner = runner
        self.environment.shape_class = self.shape
        mode = self.profile.load.mode
        logger.info("perfgate: load from %s: %d steps over %.0fs (%s)", thresholds, len(steps), total_s(steps), mode)

    # --- the live run ----------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - (self.started or time.monotonic())

    def snapshot(self) -> Snapshot:
        return snapshot_of(self.environment.runner.stats, self.elapsed())

    def snapshots(self) -> tuple[Snapshot, Snapshot | None]:
        """The candidate's and, in a duet, the baseline side's stats at the same moment."""
        at_s = self.elapsed()
        paired = snapshot_of(self.duet.stats, at_s) if self.duet else None
        return snapshot_of(self.environment.runner.stats, at_s), paired

    @property
    def repeating(self) -> bool:
        """Tests are started and stopped from the web UI, each judged when it stops."""
        return not self.options.headless and self.environment.web_ui is not None

    def test_start(self) -> None:
        if self.repeating and self.started is not None:  # a new test of the same web UI run: nothing carries over
            self.result, self.printed, self.reset_at_s = None, False, None
            self.interruptions.new_test()
            self.cpu = GeneratorCpu(self.profile.settings.max_generator_cpu)
            self.roster.new_test()
            self.uncaught.found.clear()
        self.started_at, self.started, self.stopped, self.ended = time.time(), time.monotonic(), None, None
        self.resets.new_test()
        self.monitor = LiveMonitor(self.profile)
        settings = self.profile.settings
        self.loop_timing = LoopTiming(settings.evaluate_every_s)
        if settings.warmup_s > 0:
            gevent.spawn_later(settings.warmup_s, self.end_warmup)
        elif not settings.warmup_until_spawned:
            self.monitor.start_measurement(empty_snapshot(), empty_snapshot() if self.duet else None)
        self.process = psutil.Process()
        self.process.cpu_percent(None)  # the first reading is always 0: prime it
        self.interruptions.install()
        self.loop = gevent.spawn(self.live_loop)

    def stats_reset(self, at_s: float | None = None) -> None:
        """Locust zeroes its counters mid-test (the web UI's "reset stats", or --reset-stats once
        every user is spawned), just after this; or the locustfile did at `at_s`, unannounced: the
        measurement starts again from zero then (the warm-up counts as over)."""
        if self.started is None or self.stopped is not None:
            return
        if at_s is None:
            self.resets.announce()
        now = empty_snapshot(self.elapsed() if at_s is None else at_s)
        self.monitor = LiveMonitor(self.profile, previous=now)
        if self.duet:
            self.duet.stats.reset_all()
        self.monitor.start_measurement(now, now if self.duet else None)
        self.reset_at_s = now.at_s
        logger.info("perfgate: stats reset at %.1fs; measuring from then", now.at_s)

    def catch_unannounced_reset(self) -> None:
        """The locustfile's own environment.stats.reset_all(), seen at the next look."""
        cleared = self.resets.unannounced()
        if cleared is not None and self.started is not None:
            self.stats_reset(cleared - self.started)

    def end_warmup(self) -> None:
        if self.stopped is None:
            self.monitor.start_measurement(*self.snapshots())
            logger.info("perfgate: warm-up over after %.1fs; measuring from now", self.elapsed())

    def spawning_complete(self) -> None:
        if self.started is None:
            return
        self.track()
        if self.options.reset_stats:  # Locust's own listener resets them next
            self.stats_reset()
        elif self.profile.settings.warmup_until_spawned:
            self.end_warmup()

    def live_loop(self) -> None:
        """Every settings.evaluate_every, on a fixed cadence (a slow tick does not push the next
        ones later): snapshot, time line, generator CPU, workers, abort checks; its own timing kept."""
        interval = self.profile.settings.evaluate_every_s
        due = time.monotonic() + interval
        while True:
            gevent.sleep(max(0.0, due - time.monotonic()))
            woke = time.monotonic()
            cpu = self.sample_cpu()
            self.track()
            self.catch_unannounced_reset()
            snapshot, paired = self.snapshots()
            decision = self.monitor.observe(snapshot, self.environment.runner.user_count, cpu, paired)
            self.loop_timing.tick(woke - due, time.monotonic() - woke)
            if decision is not None:
                logger.error("perfgate: aborting the run: %s on %s", decision.message, decision.endpoint)
                gevent.spawn(self.environment.runner.quit)
                return
            due = max(due + interval, time.monotonic())  # more than a tick behind: no burst to catch up

    def sample_cpu(self) -> float:
        """Own CPU every interval, workers' from their heartbeats."""
        assert self.process is not None
        own = self.process.cpu_percent(None)
        readings = {"the master" if self.master else "the local runner": own}
        if self.master:
            readings |= {f"worker {wid}": node.cpu_usage for wid, node in self.environment.runner.clients.items()}
        self.cpu.observe(readings, self.elapsed())
        return own

    def track(self) -> None:
        """Who takes part, and whether Locust warned of a worker's CPU."""
        self.roster.track()
        if self.master and getattr(self.environment.runner, "worker_cpu_warning_emitted", False):
            self.cpu.warned("Locust reported a worker above its CPU threshold")

    def cpu_warning(self, cpu_usage: float) -> None:
        if self.started is not None:
            self.cpu.warned(
                f"Locust warned that the load generator ran at {cpu_usage:.0f}% CPU at {self.elapsed():.0f}s"
            )

    def worker_connected(self, worker: str) -> None:
        self.roster.worker_connected(worker)

    # --- the end ---------------------------------------------------------------------------

    def test_stopping(self) -> None:
        if self.stopped is not None or self.started is None:
            return
        self.catch_unannounced_reset()  # one since the last live tick
        self.stopped = time.monotonic()
        self.stopped_from = stopped_here()
        if not self.repeating:  # in the web UI a stopped test is not the end of the run
            self.interruptions.stopping()
        self.track()
        if self.loop is not None and self.loop is not gevent.getcurrent():
            self.loop.kill(block=False)

    def test_stopped(self) -> None:
        """Every user has stopped: the measured time ends here. A test of a web UI run is judged
        now, its reports in a folder of its own. At once, in the stopping greenlet: a local runner
        is stopped already, and the UI's poll that sees it stopped (its last one) then carries the
        verdict."""
        if self.started is None:
            return
        self.ended = self.ended or time.monotonic()
        if self.repeating and self.result is None:
            self.conclude(False)

    def exit_code_now(self) -> int:
        """The verdict's code if the run was judged, else inconclusive's."""
        return self.result.exit_code if self.result is not None else VERDICT_EXIT_CODES[Verdict.INCONCLUSIVE]

    def quitting(self) -> None:
        """Judges the run once (quitting fires twice on a master that gets SIGTERM), delivers the
        reports and sets the exit code."""
        if self.result is not None:
            self.set_exit_code(self.result.exit_code)  # a web UI run's last test, beside the other listeners
            return
        runner = self.environment.runner
        was_interrupted = interrupted(
            runner.state in (STATE_RUNNING, STATE_SPAWNING), self.interruptions.signalled_at_s, self.planned_s()
        )
        self.interruptions.quitting()
        self.conclude(was_interrupted)

    def conclude(self, was_interrupted: bool) -> None:
        """Judges the test, delivers its reports (a web UI test's also to tests/<n>/) and sets the exit code."""
        if self.duet is not None and self.duet.refused:
            refusal = Refusal("a duet that cannot run", (self.duet.refused,))
            deliver_refusal(refusal, *refusal_destinations(self.options))
            self.set_exit_code(CONFIG_ERROR_EXIT_CODE)
            return
        self.test_stopping()
        try:
            self.result = self.judge(was_interrupted)
        except Exception:
            logger.exception("perfgate: evaluating the run failed; the verdict is inconclusive")
            self.set_exit_code(VERDICT_EXIT_CODES[Verdict.INCONCLUSIVE])
            return
        self.set_exit_code(self.result.exit_code)
        options = self.options
        save = Path(options.save_baseline) if options.save_baseline else None
        report_dir = Path(options.report_dir)
        if self.repeating:
            deliver(self.result, Destinations(self.test_folder(len(self.judged) + 1), publish=False))
            self.judged.append(self.result)  # its reports are there: the tab may link to them
            print(
                f"perfgate: test {len(self.judged)} of this web UI run:\n{console.render(self.result)}",
                file=self.out,
                flush=True,
            )
            self.printed = True
        deliver(self.result, Destinations(report_dir, save_baseline=save, history=options.history, out=self.out))

    @property
    def out(self) -> TextIO:
        return verdict_out(self.options)

    def set_exit_code(self, verdict_code: int) -> None:
        """The verdict's code, settled with one that another quitting listener set before perfgate's
        (plugin.py makes perfgate's fire last): a failure it did not judge is kept."""
        found = self.environment.process_exit_code
        if found not in (None, self.exit_code):
            self.exit_code_by_another = found
        self.exit_code = settled_exit_code(verdict_code, self.exit_code_by_another)
        self.environment.process_exit_code = self.exit_code

    def reports_of(self, test: int | None) -> Path | None:
        """Where test `test` of a web UI run has its reports (None: the latest, at the usual place)."""
        if test is None:
            return Path(self.options.report_dir).resolve() if self.judged else None
        return self.test_folder(test) if 0 < test <= len(self.judged) else None

    def test_folder(self, test: int) -> Path:
        return (Path(self.options.report_dir) / "tests" / str(test)).resolve()

    def tab_rows(self) -> list[dict[str, str]]:
        """The web UI tab: the running test live, else the last judged one with its reports. The
        UI polls no more once it sees a test stopped, and a master judges a moment after that
        (once its workers' last stats are in): the poll that reports it stopped waits for the verdict."""
        deadline = time.monotonic() + VERDICT_WAIT_S
        while self.stopping_unjudged() and time.monotonic() < deadline:
            gevent.sleep(0.1)
        if self.started is not None and self.result is None:
            return live_rows(self.profile, self.monitor, self.snapshot(), len(self.judged) + 1)
        if self.judged:
            return verdict_rows(self.judged[-1], len(self.judged), web_tab.links(len(self.judged), self.options))
        return []

    def stopping_unjudged(self) -> bool:
        state = self.environment.runner.state
        return self.repeating and self.started is not None and self.result is None and state in STOPPING_STATES

    def quit(self) -> None:
        if self.result is None:
            return
        note = console.exit_code_note(self.result.exit_code, self.exit_code_by_another, self.exit_code or 0)
        if not self.printed:
            self.printed = True
            print(console.render(self.result), file=self.out, flush=True)
            self.interruptions.ignore_from_now()
        if note:  # after the verdict: a web UI run printed each test's as it ended
            print(note, file=self.out, flush=True)

    def gave_up_on_workers(self) -> None:
        """Locust's headless master calls sys.exit(1) when fewer than --expect-workers connect
        within --expect-workers-max-wait, before any quitting event: judge it as a run that measured
        nothing, with the reports and the exit code of every other run (5, naming who came)."""
        if self.result is not None or self.started is not None:
            return
        self.quitting()
        if self.result is not None:
            self.quit()
            self.out.flush()
            os._exit(self.result.exit_code)  # atexit cannot change the exit status any other way

    # --- the verdict -----------------------------------------------------------------------

    def planned_s(self) -> float | None:
        """How long the run was meant to last; None when it ends on its own terms (locust-plugins'
        --iterations stops when the iterations are done, --run-time only bounds it; a web UI test is
        stopped by its user). A shape's
        steps, when the profile's shape drives the run: Locust ignores --run-time beside a shape."""
        if getattr(self.options, "iterations", 0) or self.repeating:  # in the web UI the user ends each test
            return None
        return round(total_s(list(self.shape.steps))) if self.shape else self.options.run_time

    def judge(self, was_interrupted: bool) -> Result:
        began = time.perf_counter()
        duration = max(0.0, (self.ended or self.stopped or time.monotonic()) - (self.started or time.monotonic()))
        settings = self.profile.settings
        facts = RunFacts(
            started_at=datetime.fromtimestamp(self.started_at or time.time(), UTC).isoformat(),
            duration_s=duration,
            host=redact(self.environment.host or ""),
            versions={"perfgate": __version__, "locust": locust.__version__, "python": platform.python_version()},
            load=self.load_facts(),
            users_now=self.environment.runner.user_count,
            run_checks=run_checks(self.observations(was_interrupted, duration)),
            warnings=[self.baseline_note] if self.baseline_note else [],
            errors=top_errors(self.environment.runner.stats.errors.values()),
            participation=self.roster.participation(self.users_defaulted),
            live_loop=self.loop_timing.summary(),
        )
        if self.duet:
            facts.duet_host, facts.duet_users = redact(self.duet.host), self.duet.users(self.roster.class_peaks)
        if self.reset_at_s is not None:
            facts.warnings.append(f"the stats were reset at {self.reset_at_s:.0f}s: measured from then")
        on_error = getattr(self.options, "exit_code_on_error", LOCUST_EXIT_CODE_ON_ERROR)
        if on_error != LOCUST_EXIT_CODE_ON_ERROR:
            facts.warnings.append(
                f"--exit-code-on-error {on_error} does not apply: with a profile the verdict sets the exit code, "
                "and failed requests count through the profile's error_rate and failures limits"
            )
        if was_interrupted and settings.on_interrupt == JUDGE:
            facts.warnings.append(
                f"interrupted after {duration:.1f}s and judged on what it measured (settings.on_interrupt: judge); "
                "checks with too few requests are inconclusive"
            )
        final = snapshot_of(self.environment.runner.stats, duration)
        paired = snapshot_of(self.duet.stats, duration) if self.duet else None
        result = assemble(self.profile, self.monitor, final, facts, self.baseline, self.capacity, paired)
        result.measurement["verdict_ms"] = round((time.perf_counter() - began) * 1000, 1)  # before the reports
        return result

    def observations(self, was_interrupted: bool, duration_s: float) -> RunObservations:
        options = self.options
        return RunObservations(
            duration_s=duration_s,
            planned_s=self.planned_s(),
            started=self.started is not None,
            interrupted=was_interrupted,
            judge_interrupted=self.profile.settings.on_interrupt == JUDGE,
            ended_by_the_run=self.monitor.findings.abort is not None or bool(self.capacity and self.capacity.broke),
            stopped_from=self.stopped_from,
            exception_lines=tuple(self.uncaught.found.items()),
            unhandled=bool(locust_log.unhandled_greenlet_exception),
            saturation=self.cpu.saturation,
            max_generator_cpu=self.profile.settings.max_generator_cpu,
            workers_expected=getattr(options, "expect_workers", 1) if self.master else 0,
            workers_peak=self.roster.workers.peak,
            workers_lost=tuple(sorted(self.roster.workers.lost)),
            foreign_classes=self.roster.foreign_classes(),
            processes=(getattr(options, "processes", None) or 0) if self.master else 0,
            expect_workers_wait_s=getattr(options, "expect_workers_max_wait", 0) or 0.0,
        )

    def load_facts(self) -> dict[str, Any]:
        options = self.options
        workers = self.roster.workers.peak if self.master else 0
        classes = self.roster.peaks()  # which classes took part
        if self.shape is None:
            facts = {"users": options.num_users, "spawn_rate": options.spawn_rate, "run_time_s": options.run_time}
            return facts | {"workers": workers, "user_classes": classes}
        reached = self.shape.reached
        return {
            "mode": self.profile.load.mode,
            "users": max((step.users for step in reached), default=0),  # the peak of the stages
            "run_time_s": round(total_s(list(self.shape.steps))),
            "stages": [{"label": s.label, "users": s.users, "start_s": s.start_s, "end_s": s.end_s} for s in reached],
            "workers": workers,
            "user_classes": classes,
        }


def verdict_out(options: Any) -> TextIO:
    """Where the verdict and the CI's annotations are printed: stdout, unless Locust's --json
    prints its stats there for a parser (a CI runner reads workflow commands on stderr too)."""
    return Escaping(sys.stderr if getattr(options, "json", False) else sys.stdout)


def refusal_destinations(options: Any) -> tuple[Destinations, list[str]]:
    """Where a refusal goes, and the files the run was given, which it must not remove."""
    given = [path for path in (options.baseline, options.save_baseline) if path]
    return Destinations(Path(options.report_dir), out=verdict_out(options)), given


def refuse(runner: Any, problems: list[str], what: str) -> None:
    """Exit 2 before any request: the problems printed, and said where the verdict would have gone
    (output.deliver_refusal: an earlier run's reports are not left there as if they were this run's)."""
    for problem in problems:
        print(f"perfgate: {problem}", file=sys.stderr, flush=True)
    print(f"perfgate: {what}; nothing was run (exit code {CONFIG_ERROR_EXIT_CODE})", file=sys.stderr, flush=True)
    if runner is not None:
        deliver_refusal(Refusal(what, tuple(problems)), *refusal_destinations(runner.environment.parsed_options))
        runner.quit()
    sys.exit(CONFIG_ERROR_EXIT_CODE)


def apply_load_defaults(options: Any, load: LoadDefaults) -> None:
    """The profile's load applies only where the command line, env and locust.conf are silent."""
    if options.num_users is None and load.users is not None:
        options.num_users = load.users
    if options.spawn_rate is None and load.spawn_rate is not None:
        options.spawn_rate = load.spawn_rate
    if options.run_time is None and load.run_time_s is not None:
        options.run_time = load.run_time_s


def _apply_masters_request_timeout(options: Any) -> None:
    """Workers do not judge, but their requests need the master's profile's timeout, whether or not
    the worker was given the profile: it comes in the spawn message, before the worker's test_start
    (a master without a profile sends none: Locust's own behaviour, as in a local ungated run)."""
    if options.request_timeout_of_master is not None:
        RequestTimeout.apply(options.request_timeout_of_master)
