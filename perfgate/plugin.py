"""The Locust side of perfgate: options, profile loading at `init`, evaluation at `quitting`, exit code.

Listeners are registered at import time on purpose: `quitting` fires in reverse registration
order, so a listener added now runs after the MasterRunner's own one has collected the workers'
final reports (../shared/research/locust-internals.md, facts 1-4). Workers load this module too
(they import the same locustfile) but only the local runner or the master evaluates.
"""

from __future__ import annotations

import logging
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import locust
import locust.stats
from locust import events
from locust import log as locust_log
from locust.runners import WorkerRunner

from perfgate import __version__
from perfgate.buckets import bucket_ms
from perfgate.evaluate import evaluate, exit_code_of, verdict_of
from perfgate.model import CONFIG_ERROR_EXIT_CODE, VERDICT_EXIT_CODES, CheckResult, EndpointStats, Result, Snapshot
from perfgate.model import endpoint_summary as summarise
from perfgate.profile import LoadDefaults, Profile, ProfileError, load_profile
from perfgate.report import console, result_json

logger = logging.getLogger("perfgate")
locust.stats.bucket_response_time = bucket_ms
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
    result: Result | None = None
    printed: bool = False


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
        help="perfgate: result.json of an earlier run to compare against",
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
    options = environment.parsed_options
    if options is None or isinstance(runner, WorkerRunner):
        return
    if not options.thresholds:
        logger.warning("perfgate: no --thresholds profile given; this run is not gated")
        return
    try:
        run.profile = load_profile(options.thresholds)
    except ProfileError as error:
        for problem in error.problems:
            print(f"perfgate: {problem}", file=sys.stderr, flush=True)
        print("perfgate: invalid profile; nothing was run (exit code 2)", file=sys.stderr, flush=True)
        if runner is not None:
            runner.quit()
        sys.exit(CONFIG_ERROR_EXIT_CODE)
    apply_load_defaults(options, run.profile.load)
    logger.info("perfgate: gating on %s (%d rules)", options.thresholds, len(run.profile.rules))


def apply_load_defaults(options: Any, load: LoadDefaults) -> None:
    """The profile's load applies only where the command line, env and locust.conf are silent."""
    if options.num_users is None and load.users is not None:
        options.num_users = load.users
    if options.spawn_rate is None and load.spawn_rate is not None:
        options.spawn_rate = load.spawn_rate
    if options.run_time is None and load.run_time_s is not None:
        options.run_time = load.run_time_s


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    if not isinstance(environment.runner, WorkerRunner):
        run.started_at, run.started, run.stopped = time.time(), time.monotonic(), None


@events.test_stopping.add_listener
def _on_test_stopping(environment: Any, **_: Any) -> None:
    if not isinstance(environment.runner, WorkerRunner) and run.stopped is None:
        run.stopped = time.monotonic()


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    if run.profile is None or run.result is not None or isinstance(environment.runner, WorkerRunner):
        return  # quitting fires twice on a master that gets SIGTERM: only the first round counts
    try:
        run.result = build_result(environment, run.profile)
    except Exception:
        logger.exception("perfgate: evaluating the run failed; the verdict is inconclusive")
        environment.process_exit_code = VERDICT_EXIT_CODES["inconclusive"]
        return
    environment.process_exit_code = run.result.exit_code
    report_dir = Path(environment.parsed_options.report_dir)
    try:
        written = result_json.write(run.result, report_dir)
        logger.info("perfgate: wrote %s", written)
    except OSError as error:
        logger.error("perfgate: cannot write reports to %s: %s (the exit code still stands)", report_dir, error)


@events.quit.add_listener
def _on_quit(**_: Any) -> None:
    if run.result is not None and not run.printed:
        run.printed = True
        print(console.render(run.result), flush=True)


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


def snapshot_of(stats: Any, duration_s: float) -> Snapshot:
    endpoints = {}
    for entry in stats.entries.values():
        endpoint = _endpoint(entry)
        endpoints[endpoint.key] = endpoint
    return Snapshot(endpoints, _endpoint(stats.total), duration_s)


def _run_checks(environment: Any) -> list[CheckResult]:
    """A locustfile that raised makes the run unable to support a verdict (DESIGN.md, exit codes)."""
    raised = sum(error["count"] for error in environment.runner.exceptions.values())
    if not raised and not locust_log.unhandled_greenlet_exception:
        return []
    where = "; ".join(e["msg"].strip().splitlines()[-1] for e in environment.runner.exceptions.values())
    message = f"the locustfile raised {raised or 'an'} unhandled exception(s): {where or 'see the log'}"
    return [CheckResult("run", "exceptions", "= 0", float(raised), "inconclusive", message)]


def build_result(environment: Any, profile: Profile) -> Result:
    now = time.monotonic()
    duration = max(0.0, (run.stopped or now) - (run.started or now))
    snapshot = snapshot_of(environment.runner.stats, duration)
    checks = evaluate(profile, snapshot) + _run_checks(environment)
    verdict = verdict_of(checks)
    warnings = []
    if environment.parsed_options.baseline:
        warnings.append("--baseline is accepted, but comparing against a baseline is not implemented yet")
    return Result(
        verdict=verdict,
        exit_code=exit_code_of(verdict),
        started_at=datetime.fromtimestamp(run.started_at or time.time(), UTC).isoformat(),
        duration_s=round(duration, 3),
        host=environment.host or "",
        profile=profile.path,
        versions={"perfgate": __version__, "locust": locust.__version__, "python": platform.python_version()},
        checks=checks,
        endpoints={key: summarise(stats, duration) for key, stats in snapshot.endpoints.items()},
        warnings=warnings,
    )
