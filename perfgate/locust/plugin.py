"""The Locust side of perfgate: options, profile loading at `init`, evaluation at `quitting`, exit code.

Listeners are registered at import time on purpose: `quitting` fires in reverse registration
order, so a listener added now runs after the MasterRunner's own one has collected the workers'
final reports (../shared/research/locust-internals.md, facts 1-4). Workers load this module too
(they import the same locustfile) but only the local runner or the master evaluates.
"""

from __future__ import annotations

import atexit
import logging
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent
import locust
import locust.stats
import psutil
from locust import events
from locust import log as locust_log
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import STATE_MISSING, STATE_RUNNING, STATE_SPAWNING, MasterRunner, WorkerRunner
from locust.stats import RequestStats, StatsError

from perfgate import __version__
from perfgate.config.profile import ProfileError, load_profile
from perfgate.core.assemble import RunFacts, assemble
from perfgate.core.baseline import FIRST_BASELINE_HINT, Baseline, BaselineError, promotion_refusal
from perfgate.core.buckets import bucket_ms
from perfgate.core.capacity import CapacitySearch
from perfgate.core.live import LiveMonitor, empty_snapshot
from perfgate.core.model import CONFIG_ERROR_EXIT_CODE, VERDICT_EXIT_CODES, CheckResult, EndpointStats, Result, Snapshot
from perfgate.core.naming import endpoint_key
from perfgate.core.participation import Participation
from perfgate.core.profile import LoadDefaults, Profile, Settings
from perfgate.core.redact import redact, redact_name
from perfgate.core.stages import total_s
from perfgate.locust.shape import ProfileShape
from perfgate.locust.user_classes import class_counts, user_class
from perfgate.report import console, github, result_json, writers
from perfgate.store.files import write_atomic
from perfgate.store.history import DEFAULT_HISTORY, HistoryError, default_history, load_baseline, provenance, record

logger = logging.getLogger("perfgate")
locust.stats.bucket_response_time = bucket_ms
_log_request, _log_error = RequestStats.log_request, RequestStats.log_error


def _log_redacted_request(self: RequestStats, method: str, name: str, response_time: int, length: int) -> None:
    _log_request(self, method, redact_name(name), response_time, length)


def _log_redacted_error(self: RequestStats, method: str, name: str, error: Exception | str | None) -> None:
    _log_error(self, method, redact_name(name), redact(StatsError.parse_error(error)))


# on every process (workers report what they logged): no secret reaches Locust's tables, CSV or web UI
RequestStats.log_request = _log_redacted_request  # type: ignore[method-assign]
RequestStats.log_error = _log_redacted_error  # type: ignore[method-assign]
_http_request = HttpSession.request
_request_timeout_s: list[float] = []  # settings.request_timeout once a profile applies (every process)


def _request_with_timeout(self: HttpSession, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
    if _request_timeout_s and "timeout" not in kwargs:
        kwargs["timeout"] = _request_timeout_s[0]
    return _http_request(self, method, url, *args, **kwargs)


HttpSession.request = _request_with_timeout  # type: ignore[method-assign]


def apply_request_timeout(seconds: float) -> None:
    """HttpUser's requests wait for ever by default and FastHttpUser's 60 s: a server that accepts
    and never answers would leave the run with no data. A request's own timeout= still wins, and a
    FastHttpUser class that sets its own timeouts keeps them."""
    _request_timeout_s[:] = [seconds]
    FastHttpUser.network_timeout = FastHttpUser.connection_timeout = seconds


TOP_ERRORS = 3
MAX_ERROR_CHARS = 300  # an HTML error page in an exception message must not flood the report
DEFAULTS: dict[str, str | None] = {"thresholds": None, "report_dir": "reports"}


def set_defaults(thresholds: str | Path | None = None, report_dir: str | Path | None = None) -> None:
    """Defaults for --thresholds / --report-dir, set by a locustfile before Locust parses options."""
    if thresholds is not None:
        DEFAULTS["thresholds"] = _shortest(thresholds)  # str: options travel to workers via msgpack
    if report_dir is not None:
        DEFAULTS["report_dir"] = str(report_dir)


def _shortest(path: str | Path) -> str:
    """A path relative to the working directory when it lies below it, so messages stay readable."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class GateRun:
    profile: Profile | None = None
    started_at: float | None = None  # wall clock, for the report
    started: float | None = None  # monotonic
    stopped: float | None = None
    monitor: LiveMonitor | None = None
    environment: Any = None  # spawning_complete does not pass it
    loop: Any = None
    cpu: Any = None
    hot_samples: dict[str, int] = field(default_factory=dict)
    saturation: str | None = None
    workers_peak: int = 0
    workers_seen: set[str] = field(default_factory=set)
    workers_lost: set[str] = field(default_factory=set)
    result: Result | None = None
    printed: bool = False
    baseline: Baseline | None = None
    baseline_note: str | None = None  # why an optional baseline is not used
    # when SIGTERM came (s after the start): a master stops its runner before quitting, so the
    # runner's state cannot tell an interrupted master from one that finished
    terminated_at_s: float | None = None
    shape: ProfileShape | None = None  # the profile's load.stages, when it has them
    capacity: CapacitySearch | None = None  # load.mode capacity
    class_peaks: dict[str, int] = field(default_factory=dict)  # the most users of each class at once
    users_defaulted: bool = False  # nothing set a user count: Locust's headless default of 1


run = GateRun()


@events.init_command_line_parser.add_listener
def _add_options(parser: Any, **_: Any) -> None:
    parser.add_argument(
        "--thresholds",
        default=DEFAULTS["thresholds"],
        env_var="LOCUST_THRESHOLDS",
        include_in_web_ui=False,
        help="perfgate: the threshold profile (YAML) that decides the exit code",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        env_var="LOCUST_BASELINE",
        include_in_web_ui=False,
        help="perfgate: result.json of an earlier run (or a merged baseline) to compare against",
    )
    parser.add_argument(
        "--baseline-optional",
        action="store_true",
        default=False,
        env_var="LOCUST_BASELINE_OPTIONAL",
        include_in_web_ui=False,
        help="perfgate: a missing or unreadable --baseline only warns (the run is gated on thresholds only)",
    )
    parser.add_argument(
        "--save-baseline",
        default=None,
        env_var="LOCUST_SAVE_BASELINE",
        include_in_web_ui=False,
        help="perfgate: write this run's result.json to this path too, if the run passed",
    )
    parser.add_argument(
        "--history",
        nargs="?",
        const=DEFAULT_HISTORY,
        default=None,
        env_var="LOCUST_HISTORY",
        include_in_web_ui=False,
        help=f"perfgate: record this run in a SQLite history (default {DEFAULT_HISTORY}); "
        "--baseline history:BRANCH reads it",
    )
    parser.add_argument(
        "--report-dir",
        default=DEFAULTS["report_dir"],
        env_var="LOCUST_REPORT_DIR",
        include_in_web_ui=False,
        help="perfgate: where result.json and the other reports are written (default reports)",
    )


@events.init.add_listener
def _on_init(environment: Any, runner: Any = None, **_: Any) -> None:
    # Locust schedules --run-time right after init, from the time gevent's loop cached when it last
    # ran; a start slowed by imports on a busy CI runner leaves that seconds stale and the run ends
    # early (measured: -t 5s ran 1.3-1.7 s with ten Locust processes starting at once on 2 cores)
    gevent.get_hub().loop.update_now()
    options = environment.parsed_options
    if options is None:
        return
    if isinstance(runner, WorkerRunner):
        _worker_request_timeout(options.thresholds)
        return
    if not options.thresholds:
        logger.warning("perfgate: no --thresholds profile given; this run is not gated")
        return
    try:
        run.profile = load_profile(options.thresholds)
    except ProfileError as error:
        _refuse(runner, error.problems, "invalid profile")
    if options.baseline:
        try:
            run.baseline = load_baseline(options.baseline, options.history or default_history(), run.profile.path)
        except BaselineError as error:
            if not options.baseline_optional:
                _refuse(runner, [f"{error}; {FIRST_BASELINE_HINT}"], "unusable baseline")
            run.baseline_note = f"no baseline compared ({error}); --baseline-optional: gated on thresholds only"
            logger.warning("perfgate: %s", run.baseline_note)
    apply_load_defaults(options, run.profile.load)
    apply_request_timeout(run.profile.settings.request_timeout_s)
    if run.profile.load.steps:
        _install_shape(environment, runner, run.profile, options.thresholds)
    run.users_defaulted = bool(options.headless) and options.num_users is None and environment.shape_class is None
    logger.info("perfgate: gating on %s (%d rules)", options.thresholds, len(run.profile.rules))
    if isinstance(runner, MasterRunner) and options.headless and options.expect_workers:
        atexit.register(_gave_up_on_workers, environment)


@events.worker_connect.add_listener
def _on_worker_connect(client_id: str, **_: Any) -> None:
    """Counted as they come (Locust fires this just before it lists the worker): a master that
    gives up waiting for the rest removes them all before it exits."""
    run.workers_seen.add(client_id)
    run.workers_peak = max(run.workers_peak, len(run.workers_seen - run.workers_lost))


def _gave_up_on_workers(environment: Any) -> None:
    """Locust's headless master calls sys.exit(1) when fewer than --expect-workers connect within
    --expect-workers-max-wait, before any quitting event: judge it as a run that measured nothing,
    with the reports and the exit code of every other run (5, naming the workers that came)."""
    if run.result is not None or run.started is not None:
        return
    _on_quitting(environment)
    if run.result is not None:
        _on_quit()
        sys.stdout.flush()
        os._exit(run.result.exit_code)  # atexit cannot change the exit status any other way


def _worker_request_timeout(thresholds: str | None) -> None:
    """Workers do not judge, but their requests need the profile's timeout; an unreadable profile
    is the master's to report (it refuses the run), so the default applies here."""
    if not thresholds:
        return
    try:
        apply_request_timeout(load_profile(thresholds).settings.request_timeout_s)
    except ProfileError:
        apply_request_timeout(Settings().request_timeout_s)


def _install_shape(environment: Any, runner: Any, profile: Profile, thresholds: str) -> None:
    """The profile's load.stages drive the run (a locustfile that has its own shape class is refused:
    two shapes cannot both decide the user count)."""
    if environment.shape_class is not None:
        own = type(environment.shape_class).__name__
        problem = f"{thresholds}: load.stages and the locustfile's {own} both shape the load; remove one"
        _refuse(runner, [problem], "two load shapes")
    steps = list(profile.load.steps)
    run.capacity = CapacitySearch(profile, steps) if profile.load.mode == "capacity" else None
    run.shape = ProfileShape(steps, run.capacity, lambda at_s: snapshot_of(environment.runner.stats, at_s))
    run.shape.runner = runner
    environment.shape_class = run.shape
    logger.info(
        "perfgate: load from %s: %d steps over %.0fs (%s)", thresholds, len(steps), total_s(steps), profile.load.mode
    )


def _refuse(runner: Any, problems: list[str], what: str) -> None:
    for problem in problems:
        print(f"perfgate: {problem}", file=sys.stderr, flush=True)
    print(f"perfgate: {what}; nothing was run (exit code 2)", file=sys.stderr, flush=True)
    if runner is not None:
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


def _elapsed() -> float:
    return time.monotonic() - (run.started or time.monotonic())


def take_snapshot(environment: Any) -> Snapshot:
    return snapshot_of(environment.runner.stats, _elapsed())


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or run.profile is None:
        return
    run.started_at, run.started, run.stopped = time.time(), time.monotonic(), None
    run.environment = environment
    run.monitor = LiveMonitor(run.profile)
    settings = run.profile.settings
    if settings.warmup_s > 0:
        gevent.spawn_later(settings.warmup_s, _end_warmup, environment)
    elif not settings.warmup_until_spawned:
        run.monitor.start_measurement(empty_snapshot())
    run.cpu = psutil.Process()
    run.cpu.cpu_percent(None)  # the first reading is always 0: prime it
    gevent.signal_handler(signal.SIGTERM, _note_sigterm)  # beside Locust's own handler, which still runs
    run.loop = gevent.spawn(_live_loop, environment)


def _note_sigterm() -> None:
    if run.terminated_at_s is None:
        run.terminated_at_s = _elapsed()


def _planned_s(options: Any) -> float | None:
    """How long the run was meant to last; None when it ends on its own terms (locust-plugins'
    --iterations stops when the iterations are done, --run-time only bounds it)."""
    if getattr(options, "iterations", 0):
        return None
    return options.run_time or (round(total_s(list(run.shape.steps))) if run.shape else None)


def _interrupted(environment: Any) -> bool:
    """Stopped by a signal before its planned end (a SIGTERM from `docker compose` after the run
    time, while the reports are written, is not an interruption)."""
    if environment.runner.state in (STATE_RUNNING, STATE_SPAWNING):
        return True
    planned = _planned_s(environment.parsed_options)
    return run.terminated_at_s is not None and (planned is None or run.terminated_at_s < planned - 1)


def _end_warmup(environment: Any) -> None:
    if run.monitor is not None and run.stopped is None:
        run.monitor.start_measurement(take_snapshot(environment))
        logger.info("perfgate: warm-up over after %.1fs; measuring from now", _elapsed())


@events.spawning_complete.add_listener
def _on_spawning_complete(**_: Any) -> None:
    environment = run.environment
    if run.profile is None or environment is None or run.monitor is None:
        return
    _track_classes(environment)
    if run.profile.settings.warmup_until_spawned:
        _end_warmup(environment)


def _track_classes(environment: Any) -> None:
    for name, count in class_counts(environment.runner).items():
        run.class_peaks[name] = max(run.class_peaks.get(name, 0), count)


def _live_loop(environment: Any) -> None:
    """Every settings.evaluate_every: snapshot, time line, generator CPU, workers, abort checks."""
    assert run.profile is not None and run.monitor is not None
    while True:
        gevent.sleep(run.profile.settings.evaluate_every_s)
        cpu = _sample_cpu(environment)
        _track_workers(environment)
        _track_classes(environment)
        decision = run.monitor.observe(take_snapshot(environment), environment.runner.user_count, cpu)
        if decision is not None:
            logger.error("perfgate: aborting the run: %s on %s", decision.message, decision.endpoint)
            gevent.spawn(environment.runner.quit)
            return


def _sample_cpu(environment: Any) -> float:
    """Own CPU every interval, workers' from their heartbeats; two hot samples in a row saturate."""
    own = run.cpu.cpu_percent(None)
    readings = {"the local runner" if not isinstance(environment.runner, MasterRunner) else "the master": own}
    if isinstance(environment.runner, MasterRunner):
        readings |= {f"worker {wid}": node.cpu_usage for wid, node in environment.runner.clients.items()}
    assert run.profile is not None
    limit = run.profile.settings.max_generator_cpu
    for process, cpu in readings.items():
        run.hot_samples[process] = run.hot_samples.get(process, 0) + 1 if cpu > limit else 0
        if run.hot_samples[process] >= 2 and run.saturation is None:
            run.saturation = f"{process} ran above {limit:g}% CPU ({cpu:.0f}%) at {_elapsed():.0f}s"
    return own


def _track_workers(environment: Any) -> None:
    if not isinstance(environment.runner, MasterRunner):
        return
    clients = environment.runner.clients
    present = {node.id for node in clients.all if node.state != STATE_MISSING}
    run.workers_peak = max(run.workers_peak, len(present))
    # missing: no heartbeat (killed, frozen, cut off); gone: quit mid-run (SIGTERM) or dropped by the
    # master after being missing too long. Workers only quit on their own after the test stops.
    run.workers_lost |= {node.id for node in clients.missing} | (run.workers_seen - present)
    run.workers_seen |= present
    if run.saturation is None and getattr(environment.runner, "worker_cpu_warning_emitted", False):
        run.saturation = "Locust reported a worker above its CPU threshold"


@events.cpu_warning.add_listener
def _on_cpu_warning(environment: Any, cpu_usage: float, **_: Any) -> None:
    if run.saturation is None and run.started is not None:
        run.saturation = f"Locust warned that the load generator ran at {cpu_usage:.0f}% CPU at {_elapsed():.0f}s"


@events.test_stopping.add_listener
def _on_test_stopping(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or run.stopped is not None or run.started is None:
        return
    run.stopped = time.monotonic()
    signal.signal(signal.SIGINT, _exit_now)
    _track_workers(environment)
    _track_classes(environment)
    if run.loop is not None and run.loop is not gevent.getcurrent():
        run.loop.kill(block=False)


def _exit_now(*_: Any) -> None:
    """A second Ctrl-C while the run winds down: leave at once, with the verdict if it was reached
    (its reports are written before anything else), else inconclusive; no traceback."""
    code = run.result.exit_code if run.result is not None else VERDICT_EXIT_CODES["inconclusive"]
    print(f"perfgate: interrupted again while stopping; exiting now (exit code {code})", file=sys.stderr, flush=True)
    os._exit(code)


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    if run.profile is None or run.result is not None or isinstance(environment.runner, WorkerRunner):
        return  # quitting fires twice on a master that gets SIGTERM: only the first round counts
    interrupted = _interrupted(environment)
    signal.signal(signal.SIGINT, _exit_now)
    _on_test_stopping(environment)
    try:
        run.result = build_result(environment, run.profile, interrupted)
    except Exception:
        logger.exception("perfgate: evaluating the run failed; the verdict is inconclusive")
        environment.process_exit_code = VERDICT_EXIT_CODES["inconclusive"]
        return
    environment.process_exit_code = run.result.exit_code
    report_dir = Path(environment.parsed_options.report_dir)
    for name in writers.FORMATS:  # one report failing must not cost the others (result.json is first)
        try:
            written = writers.write(run.result, report_dir, [name])
            logger.info("perfgate: wrote %s", ", ".join(str(path) for path in written))
        except OSError as error:
            logger.error("perfgate: cannot write %s reports to %s: %s (the exit code stands)", name, report_dir, error)
        except Exception:
            logger.exception("perfgate: the %s report failed (the exit code stands)", name)
    try:
        github.publish(run.result, report_dir, os.environ, sys.stdout)
    except OSError as error:
        logger.error("perfgate: cannot publish to GitHub's step summary or outputs: %s", error)
    if environment.parsed_options.save_baseline:
        save_baseline(run.result, Path(environment.parsed_options.save_baseline))
    if environment.parsed_options.history:
        record_history(run.result, environment.parsed_options.history)


def record_history(result: Result, path: str) -> None:
    branch, commit = provenance(os.environ)
    try:
        run_id = record(path, result.to_dict(), branch, commit)
        logger.info("perfgate: recorded as run #%d of %s (branch %s)", run_id, path, branch)
    except (HistoryError, OSError) as error:
        logger.error("perfgate: cannot record the run in the history: %s (the exit code stands)", error)


def save_baseline(result: Result, path: Path) -> None:
    refusal = promotion_refusal(result.to_dict())
    if refusal:
        logger.warning("perfgate: not saved as baseline %s: %s", path, refusal)
        return
    try:
        write_atomic(path, result_json.render(result))
        logger.info("perfgate: saved this run as baseline %s", path)
    except OSError as error:
        logger.error("perfgate: cannot save the baseline %s: %s", path, error)


@events.quit.add_listener
def _on_quit(**_: Any) -> None:
    if run.result is not None and not run.printed:
        run.printed = True
        print(console.render(run.result), flush=True)
        # the exit code is fixed and every report written: from here the process only ends. Python
        # puts SIGINT back to its default while it finalizes, where a late Ctrl-C would end it with
        # 130 instead of the verdict's code; an ignored signal is left ignored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _endpoint(entry: Any) -> EndpointStats:
    return EndpointStats(
        method=entry.method or "",
        name=entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        histogram=dict(entry.response_times),
        total_response_time=entry.total_response_time,
        min_response_time=entry.min_response_time,
        max_response_time=entry.max_response_time,
    )


def snapshot_of(stats: Any, at_s: float) -> Snapshot:
    """Locust's cumulative stats `at_s` seconds after the test started."""
    endpoints: dict[str, EndpointStats] = {}
    for entry in stats.entries.values():
        endpoint = _endpoint(entry)
        earlier = endpoints.get(endpoint.key)
        endpoints[endpoint.key] = earlier.plus(endpoint) if earlier else endpoint
    return Snapshot(endpoints, _endpoint(stats.total), at_s, at_s)


def _inconclusive(metric: str, limit: str, actual: float | None, message: str) -> CheckResult:
    return CheckResult("run", metric, limit, actual, "inconclusive", message, kind="run")


def _run_checks(environment: Any, interrupted: bool, duration_s: float) -> list[CheckResult]:
    """What makes a whole run unable to support a verdict (DESIGN.md, exit code 5)."""
    checks = []
    raised = sum(error["count"] for error in environment.runner.exceptions.values())
    if raised or locust_log.unhandled_greenlet_exception:
        where = "; ".join(e["msg"].strip().splitlines()[-1] for e in environment.runner.exceptions.values())
        message = f"the locustfile raised {raised or 'an'} unhandled exception(s): {where or 'see the log'}"
        checks.append(_inconclusive("exceptions", "= 0", float(raised), message))
    if run.saturation:
        message = (
            f"{run.saturation}: a saturated load generator measures its own queueing delay; "
            "add workers, fewer users per worker, or FastHttpUser"
        )
        checks.append(_inconclusive("generator_cpu", f"< {run.profile.settings.max_generator_cpu:g}%", None, message))
    options = environment.parsed_options
    if run.workers_lost:
        lost = ", ".join(sorted(run.workers_lost))
        checks.append(_inconclusive("workers", "none lost", float(len(run.workers_lost)), f"workers lost: {lost}"))
    expected = getattr(options, "expect_workers", 1) if isinstance(environment.runner, MasterRunner) else 0
    if expected and run.workers_peak < expected:
        message = f"only {run.workers_peak} of --expect-workers {expected} workers took part"
        if run.started is None:
            wait = getattr(options, "expect_workers_max_wait", 0)
            message = (
                f"only {run.workers_peak} of --expect-workers {expected} workers connected within "
                f"--expect-workers-max-wait {wait:g}s: the test never started"
            )
        checks.append(_inconclusive("workers", f">= {expected}", float(run.workers_peak), message))
    planned = _planned_s(options)
    if interrupted:  # judged as it stands only when the profile says so (build_result warns then)
        message = f"the run was interrupted (SIGINT/SIGTERM) after {duration_s:.1f}s"
        message += f" of the planned {planned}s" if planned else ""
        message += "; settings.on_interrupt: judge would judge what it measured"
        if run.profile.settings.on_interrupt != "judge":
            checks.append(_inconclusive("interrupted", "no", duration_s, message))
    elif (
        planned
        and run.started
        and duration_s < planned - 2
        and (run.monitor is None or not run.monitor.findings.abort)
        and not (run.capacity and run.capacity.broke)
    ):
        message = f"the run stopped after {duration_s:.1f}s of the planned {planned}s (did the last worker quit?)"
        checks.append(_inconclusive("run_time", f">= {planned}s", duration_s, message))
    return checks


def build_result(environment: Any, profile: Profile, interrupted: bool = False) -> Result:
    monitor = run.monitor or LiveMonitor(profile)
    duration = max(0.0, (run.stopped or time.monotonic()) - (run.started or time.monotonic()))
    facts = RunFacts(
        started_at=datetime.fromtimestamp(run.started_at or time.time(), UTC).isoformat(),
        duration_s=duration,
        host=redact(environment.host or ""),
        versions={"perfgate": __version__, "locust": locust.__version__, "python": platform.python_version()},
        load=_load_facts(environment, profile),
        users_now=environment.runner.user_count,
        run_checks=_run_checks(environment, interrupted, duration),
        warnings=[run.baseline_note] if run.baseline_note else [],
        errors=top_errors(environment.runner.stats.errors.values()),
        participation=_participation(environment),
    )
    if interrupted and profile.settings.on_interrupt == "judge":
        facts.warnings.append(
            f"interrupted after {duration:.1f}s and judged on what it measured (settings.on_interrupt: judge); "
            "checks with too few requests are inconclusive"
        )
    final = snapshot_of(environment.runner.stats, duration)
    return assemble(profile, monitor, final, facts, run.baseline, run.capacity)


def _participation(environment: Any) -> Participation:
    options = environment.parsed_options
    shaped = environment.shape_class is not None
    users = None if shaped else (options.num_users or getattr(environment.runner, "target_user_count", None))
    classes = tuple(user_class(cls, run.class_peaks.get(cls.__name__, 0)) for cls in environment.user_classes)
    return Participation(classes, users, run.users_defaulted)


def top_errors(errors: Any, count: int = TOP_ERRORS) -> dict[str, list[dict[str, Any]]]:
    """The most frequent error messages of each endpoint (Locust's StatsError entries; names and
    messages were redacted as they were logged)."""
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for error in errors:
        key = endpoint_key(error.method or "", error.name)
        message = StatsError.parse_error(error.error)
        by_endpoint.setdefault(key, []).append({"message": shortened(message), "count": error.occurrences})
    return {key: sorted(found, key=lambda e: -e["count"])[:count] for key, found in by_endpoint.items()}


def shortened(message: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Head and tail of a long message: requests nests the cause ("Connection refused") at the end."""
    if len(message) <= limit:
        return message
    head = limit * 2 // 5
    return f"{message[:head]} ... {message[-(limit - head - 5) :]}"


def _load_facts(environment: Any, profile: Profile) -> dict[str, Any]:
    options = environment.parsed_options
    workers = run.workers_peak if isinstance(environment.runner, MasterRunner) else 0
    # the most users each class had at once: which classes took part
    classes = {cls.__name__: run.class_peaks.get(cls.__name__, 0) for cls in environment.user_classes}
    if run.shape is None:
        facts = {"users": options.num_users, "spawn_rate": options.spawn_rate, "run_time_s": options.run_time}
        return facts | {"workers": workers, "user_classes": classes}
    reached = run.shape.reached
    return {
        "mode": profile.load.mode,
        "users": max((step.users for step in reached), default=0),  # the peak of the stages
        "run_time_s": round(total_s(list(run.shape.steps))),
        "stages": [{"label": s.label, "users": s.users, "start_s": s.start_s, "end_s": s.end_s} for s in reached],
        "workers": workers,
        "user_classes": classes,
    }
