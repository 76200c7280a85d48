"""The `perfgate` command: demo-api, validate, schema, compare, report, wait-for, history, calibrate, plan,
baseline merge|promote."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfgate.core.model import CONFIG_ERROR_EXIT_CODE
from perfgate.core.trend import DEFAULT_WINDOW
from perfgate.report.output import FORMATS, Destinations, deliver
from perfgate.store.history import DEFAULT_HISTORY, default_history
from perfgate.version import __version__

if TYPE_CHECKING:
    from perfgate.core.model import Result
    from perfgate.core.plan import Workload


def _validate(args: argparse.Namespace) -> int:
    from perfgate.config.profile import ProfileError, load_profile

    failed = 0
    for path in args.files:
        try:
            profile = load_profile(path)
        except ProfileError as error:
            failed += 1
            for problem in error.problems:
                print(problem, file=sys.stderr)
            continue
        compared = len(profile.regression.rules) if profile.regression else 0
        print(f"{path}: OK ({len(profile.rules)} rules, {compared} regression rules)")
    return CONFIG_ERROR_EXIT_CODE if failed else 0


def _loaded(current: str, baseline_path: str | None, thresholds: str | None) -> Result | None:
    """load_result, with bad input reported on stderr (None)."""
    from perfgate.config.profile import ProfileError
    from perfgate.core.baseline import BaselineError
    from perfgate.rejudge import load_result

    try:
        return load_result(current, baseline_path, thresholds)
    except BaselineError as error:
        print(f"perfgate: {error}", file=sys.stderr)
    except ProfileError as error:
        print("\n".join(f"perfgate: {problem}" for problem in error.problems), file=sys.stderr)
    return None


def _compare(args: argparse.Namespace) -> int:
    from perfgate.rejudge import DUET
    from perfgate.report import console

    result = _loaded(args.current, args.baseline or DUET, args.thresholds)
    if result is None:
        return CONFIG_ERROR_EXIT_CODE
    print(console.render(result))
    if args.report_dir:  # the files a live run writes, published where a live run publishes
        deliver(result, Destinations(Path(args.report_dir)))
    return result.exit_code


def _report(args: argparse.Namespace) -> int:
    result = _loaded(args.result, args.baseline, args.thresholds)
    if result is None:
        return CONFIG_ERROR_EXIT_CODE
    report_dir = Path(args.report_dir) if args.report_dir else Path(args.result).parent
    formats = list(FORMATS) if "all" in args.format else args.format
    if args.baseline is None:
        formats = [name for name in formats if name != "json"]  # never rewrite the input unchanged
    delivery = deliver(result, Destinations(report_dir, formats, publish=False))
    return 1 if delivery.failed else 0


def _merge(args: argparse.Namespace) -> int:
    from perfgate.core.baseline import BaselineError, merge
    from perfgate.store.files import write_atomic
    from perfgate.store.results import read_baseline

    try:
        merged = merge([read_baseline(path) for path in args.files])
    except BaselineError as error:
        print(f"perfgate: {error}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    write_atomic(Path(args.output), json.dumps(merged, indent=2, allow_nan=False) + "\n")
    print(f"perfgate: wrote {args.output} ({len(merged['runs'])} runs, {len(merged['endpoints'])} endpoints)")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from perfgate.core.baseline import BaselineError, promotion_refusal
    from perfgate.store.files import write_atomic
    from perfgate.store.results import read_json

    try:
        data = read_json(args.result, "result")
    except BaselineError as error:
        print(f"perfgate: {error}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    refusal = promotion_refusal(data)
    if refusal:
        print(f"perfgate: {args.result} not promoted to {args.baseline}: {refusal}", file=sys.stderr)
        return 1
    write_atomic(Path(args.baseline), json.dumps(data, indent=2, allow_nan=False) + "\n")
    print(f"perfgate: {args.result} is now the baseline {args.baseline}")
    return 0


def _wait_for(args: argparse.Namespace) -> int:
    """Until URL answers HTTP at all (any status: a 404 still means the server is up)."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + args.timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(args.url, timeout=2):
                return 0
        except urllib.error.HTTPError:
            return 0
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", error))
        time.sleep(0.25)
    print(f"perfgate: {args.url} did not answer within {args.timeout:g}s ({last})", file=sys.stderr)
    return 1


def _history(args: argparse.Namespace) -> int:
    """Records result files (--record), else prints the trend of one profile on one branch; exit 4
    when a series drifts beyond its tolerance, so a nightly job can gate on it."""
    from perfgate.store.history import HistoryError

    try:
        if args.record:
            return _record(args)
        return _show_history(args)
    except HistoryError as error:
        print(f"perfgate: {error}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE


def _record(args: argparse.Namespace) -> int:
    import os

    from perfgate.core.baseline import BaselineError
    from perfgate.store.history import provenance, record
    from perfgate.store.results import read_json

    branch, commit = provenance(os.environ)
    for path in args.record:
        try:
            data = read_json(path, "result")
        except BaselineError as error:
            print(f"perfgate: {error}", file=sys.stderr)
            return CONFIG_ERROR_EXIT_CODE
        run_id = record(args.db, data, args.branch or branch, args.commit or commit)
        print(f"perfgate: recorded {path} as run #{run_id} in {args.db}")
    return 0


def _show_history(args: argparse.Namespace) -> int:
    from perfgate.config.profile import ProfileError, load_profile
    from perfgate.core.model import VERDICT_EXIT_CODES, Verdict
    from perfgate.core.trend import judge_all, tolerances_for
    from perfgate.report.trends import HistoryView, render_html, render_text
    from perfgate.store.files import write_atomic
    from perfgate.store.history import HistoryError, branches_and_profiles, trend_data

    recorded = branches_and_profiles(args.db)
    profile = args.profile or _only({p for p, _, _ in recorded}, "profile", args.db)
    branches = {b for p, b, _ in recorded if p == profile}
    branch = args.branch or ("main" if "main" in branches else _only(branches, "branch", args.db))
    chosen, series = trend_data(args.db, profile, branch, args.endpoint, args.last)
    if not chosen:
        raise HistoryError(f"{args.db}: no run of profile {profile!r} on branch {branch!r} (recorded: {recorded})")
    try:
        settings = load_profile(args.thresholds).regression if args.thresholds else None
    except ProfileError as error:
        print("\n".join(f"perfgate: {problem}" for problem in error.problems), file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    tolerances = tolerances_for(settings, list(series))
    present = {
        name: {metric: [v for v in values if v is not None] for metric, values in metrics.items()}
        for name, metrics in series.items()
    }
    view = HistoryView(args.db, profile, branch, chosen, series, judge_all(present, tolerances))
    print(render_text(view), end="")
    if args.html:
        write_atomic(Path(args.html), render_html(view))
        print(f"perfgate: wrote {args.html}")
    return VERDICT_EXIT_CODES[Verdict.REGRESSION] if view.drifting else 0


def _only(values: set[str], what: str, db: str) -> str:
    from perfgate.store.history import HistoryError

    if len(values) == 1:
        return next(iter(values))
    if not values:
        raise HistoryError(f"{db}: no runs recorded yet")
    raise HistoryError(f"{db}: runs of several {what}s ({', '.join(sorted(values))}); choose one with --{what}")


def _calibrate(args: argparse.Namespace) -> int:
    """A profile that extends the runs' own, with limits and tolerances from the runs (exit 2 when
    they are too few or not comparable)."""
    import os

    from perfgate.config.profile import ProfileError, load_profile
    from perfgate.core.baseline import BaselineError
    from perfgate.core.calibrate import Targets, calibrate, refusals
    from perfgate.core.profile import DEFAULT_REGRESSION
    from perfgate.report.calibration import UserProfile, render_profile, render_table
    from perfgate.store.files import write_atomic
    from perfgate.store.history import baseline as history_runs
    from perfgate.store.results import read_baseline

    try:
        if args.history:
            if not args.profile:
                raise BaselineError("--history needs --profile, the profile name whose runs to calibrate from")
            runs = history_runs(args.history, args.branch or "main", args.profile, args.last).runs
        else:
            runs = [run for path in args.results for run in read_baseline(path).runs]
    except BaselineError as error:
        print(f"perfgate: {error}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    if not runs:
        print("perfgate calibrate: name result.json files, or --history DB --profile NAME", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    problems = refusals(runs)
    thresholds = args.thresholds or runs[0].profile
    try:
        profile = load_profile(thresholds)
    except ProfileError as error:
        problems += [
            f"the profile to extend ({thresholds}, or choose one with --thresholds): {p}" for p in error.problems
        ]
    if problems:
        print("perfgate calibrate: not calibrated:\n  " + "\n  ".join(problems), file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    output = Path(args.output)
    targets = Targets(args.breach, args.tolerance, args.floor_ms, args.error_floor, args.margin)
    calibration = calibrate(runs, targets, profile.regression or DEFAULT_REGRESSION)
    endpoint_rules = [rule for rule in profile.rules if rule.scope == "endpoint"]
    regression_keys = [r.key for r in (profile.regression.rules if profile.regression else ()) if r.scope == "endpoint"]
    user = UserProfile(
        extends=os.path.relpath(Path(thresholds).resolve(), output.resolve().parent),
        path=thresholds,
        limit_keys=list(dict.fromkeys(rule.key for rule in endpoint_rules)),
        tolerance_keys=list(dict.fromkeys(regression_keys)),
        has_regression=profile.regression is not None,
        limits={(rule.key, rule.limit.metric): rule.limit.describe() for rule in endpoint_rules},
    )
    print(render_table(calibration), end="")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, render_profile(calibration, user))
    print(f"perfgate: wrote {output}: use it with --thresholds {output}")
    return 0


PLAN_ROWS_S = (15, 30, 60, 120, 300, 600, 1800)


def _plan(args: argparse.Namespace) -> int:
    """The run time that resolves a tolerance, from the comparison's statistics (no load run)."""
    from perfgate.config.profile import ProfileError, load_profile
    from perfgate.core.plan import detectable, floor, needs, run_time_for
    from perfgate.core.profile import DEFAULT_REGRESSION

    try:
        needs(args.metric)
        settings = (load_profile(args.thresholds).regression if args.thresholds else None) or DEFAULT_REGRESSION
    except ValueError as error:
        print(f"perfgate plan: --metric: {error}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    except ProfileError as error:
        print("\n".join(f"perfgate: {problem}" for problem in error.problems), file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    if args.noise is not None:
        settings = replace(settings, run_noise=args.noise)
    if args.endpoint_noise is not None:
        settings = replace(settings, endpoint_noise=args.endpoint_noise)
    workload, described = _planned_workload(args)
    if workload is None:
        print(f"perfgate plan: {described}", file=sys.stderr)
        return CONFIG_ERROR_EXIT_CODE
    cancels = "cancels: 4+ endpoints share it" if workload.endpoints >= 4 else "counts in full: fewer than 4 endpoints"
    print(
        f"{described}; noise between runs: endpoint {settings.endpoint_noise:.0%}, run {settings.run_noise:.0%} "
        f"(the run noise {cancels}); one-run baseline"
    )
    chosen = sorted({*PLAN_ROWS_S, *([round(args.run_time_s)] if args.run_time_s else [])})
    print(f"{'measured run':>12}  {'requests per endpoint':>21}  detectable {args.metric} change")
    for seconds in chosen:
        found = detectable(workload, seconds, settings, args.tolerance)
        shown = f"{found:+.1%}" if found is not None else "too few requests to compare"
        requests = workload.rps / workload.endpoints * seconds
        marker = "  <- --run-time" if seconds == args.run_time_s else ""
        print(f"{seconds:>11}s  {requests:>21,.0f}  {shown}{marker}")
    needed = run_time_for(workload, settings, args.tolerance)
    best = floor(workload, settings)
    limit = f"no run length gets below {best:+.1%}: the noise between runs" if best is not None else ""
    if needed is None:
        print(f"+{args.tolerance:.0%} cannot be resolved by a run of a day or less; {limit}")
    else:
        print(
            f"+{args.tolerance:.0%} on {args.metric} needs {math.ceil(needed)} s measured after warm-up "
            f"({workload.rps / workload.endpoints * needed:,.0f} requests per endpoint); {limit}"
        )
    return 0


def _planned_workload(args: argparse.Namespace) -> tuple[Workload | None, str]:
    """The workload to plan for and how to describe it, or None and what is wrong with the options."""
    given = {"rps": args.rps, "endpoints": args.endpoints, "spread": args.spread, "inflation": args.inflation}
    stated = {name: value for name, value in given.items() if value is not None}
    if args.trial is None:
        return _stated_workload(stated, args.metric)
    if stated:
        clash = ", ".join(f"--{name}" for name in stated)
        return None, f"--from {args.trial} measures what {clash} would state: give one or the other"
    return _trial_workload(args.trial, args.metric)


def _stated_workload(stated: dict[str, Any], metric: str) -> tuple[Workload | None, str]:
    from perfgate.core.plan import Workload

    missing = [f"--{name}" for name in ("rps", "endpoints") if name not in stated]
    if missing:
        return None, f"give {' and '.join(missing)}, or --from a result.json of a trial run"
    bounds = {"rps": 0, "endpoints": 0, "spread": 1, "inflation": 0}
    problems = [
        f"--{name}: expected more than {bounds[name]:g}, found {value:g}"
        for name, value in stated.items()
        if value <= bounds[name]
    ]
    if problems:
        return None, "; ".join(problems)
    workload = Workload(**stated, metric=metric)
    return workload, (
        f"{workload.rps:g} requests/s over {workload.endpoints} endpoints "
        f"({workload.rps / workload.endpoints:.3g}/s each), p95/p50 {workload.spread:g}, "
        f"variance inflation x{workload.inflation:g}"
    )


def _trial_workload(path: str, metric: str) -> tuple[Workload | None, str]:
    from perfgate.core import plan as planning
    from perfgate.core.baseline import BaselineError, run_data
    from perfgate.core.model import RESULT_SCHEMA
    from perfgate.store.results import read_json

    try:
        data = read_json(path, "trial run's result")
    except BaselineError as error:
        return None, str(error)
    if data["schema"] != RESULT_SCHEMA:
        return None, f"--from {path}: expected one run's result.json, found a merged baseline"
    workload, left_out = planning.Workload.from_run(run_data(data, path), metric)
    if not workload.endpoints:
        return None, (
            f"--from {path}: no endpoint has the {planning.SHAPE_REQUESTS} requests that give a shape to scale: "
            "run the trial longer"
        )
    skipped = (
        f"; left out with fewer than {planning.SHAPE_REQUESTS} requests: {', '.join(left_out)}" if left_out else ""
    )
    return workload, (
        f"{path}: {workload.rps:.3g} requests/s over {workload.endpoints} endpoints, each at its own rate, "
        f"response times and variance inflation (median p95/p50 {workload.spread:.2g}, inflation "
        f"x{workload.inflation:.2g}){skipped}"
    )


def _probability(text: str) -> float:
    """ "1/1000", "0.1%" or 0.001."""
    try:
        if "/" in text:
            numerator, denominator = text.split("/", 1)
            value = float(numerator) / float(denominator)
        elif text.strip().endswith("%"):
            value = float(text.strip()[:-1]) / 100
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"expected a probability like 1/1000 or 0.1%, found {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, found {text!r}")
    return value


def _percent(text: str) -> float:
    from perfgate.core.tolerances import parse_share

    try:
        return parse_share(text.strip().lstrip("+"), "a share")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str, unit: str = "s") -> float:
    """A duration argument ("500ms", "2m"; a bare number is in `unit`), in seconds."""
    from perfgate.core.units import parse_duration_s

    try:
        return parse_duration_s(text, default_unit=unit)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _milliseconds(text: str) -> float:
    return _seconds(text, "ms") * 1000


def _schema(_args: argparse.Namespace) -> int:
    from perfgate.config.schema import schema

    print(json.dumps(schema(), indent=2))
    return 0


CALIBRATION_RUNS = 10


def _run_selection(parser: argparse.ArgumentParser, branch: str, profile: str, last: tuple[int, str]) -> None:
    """--branch, --profile and --last: which recorded runs of the history a command reads."""
    parser.add_argument("--branch", help=branch)
    parser.add_argument("--profile", help=profile)
    parser.add_argument("--last", type=int, default=last[0], metavar="N", help=last[1])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfgate", description="A CI/CD performance gate for Locust.")
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo-api", help="run the demo DevOps API (see perfgate demo-api --help)", add_help=False)
    validate = commands.add_parser("validate", help="check threshold profiles offline (exit 2 on any problem)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_validate)
    schema = commands.add_parser("schema", help="print the profile JSON Schema (for editors)")
    schema.set_defaults(run=_schema)
    compare = commands.add_parser(
        "compare",
        help="re-judge a stored run against a baseline, offline (same table and exit codes as the live gate)",
        description="Recomputes the regression checks of CURRENT against BASELINE (a duet's result: against "
        "its own baseline side); its threshold and run-level checks stay as they were judged during the run.",
    )
    compare.add_argument(
        "baseline",
        metavar="BASELINE",
        nargs="?",
        help="a result.json, a merged baseline, or history:BRANCH (the last 5 passing runs in $PERFGATE_HISTORY); "
        "omitted for a duet's result (--baseline-host): its own baseline side",
    )
    compare.add_argument("current", metavar="CURRENT", help="the result.json to judge")
    compare.add_argument(
        "--thresholds", metavar="FILE", help="the profile whose regression: block applies (default: the run's)"
    )
    compare.add_argument("--report-dir", metavar="DIR", help="also write the re-judged result.json and reports here")
    compare.set_defaults(run=_compare)
    report = commands.add_parser(
        "report",
        help="render reports (html, junit, markdown, gitlab) from a stored result.json",
        description="Writes the chosen reports of RESULT, re-judged against --baseline when one is given.",
    )
    report.add_argument("result", metavar="RESULT", help="a result.json")
    report.add_argument("--baseline", metavar="FILE", help="re-judge RESULT against this baseline first")
    report.add_argument("--thresholds", metavar="FILE", help="the profile for --baseline (default: the run's)")
    report.add_argument(
        "--format",
        action="append",
        choices=[*FORMATS, "all"],
        required=True,
        help="repeatable; all = every report",
    )
    report.add_argument("--report-dir", metavar="DIR", help="where to write (default: beside RESULT)")
    report.set_defaults(run=_report)
    wait = commands.add_parser(
        "wait-for", help="wait until a URL answers HTTP (start the load only once the system under test is up)"
    )
    wait.add_argument("url", metavar="URL")
    wait.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="default 60; exit 1 after it")
    wait.set_defaults(run=_wait_for)
    history = commands.add_parser(
        "history",
        help="record runs, print trends per endpoint (exit 4 when one drifts beyond its tolerance)",
        description="Without --record: the last runs of one profile on one branch and the trend of each "
        "endpoint's p50/p95/p99, error rate and rps; a gradual regression is flagged once its fitted "
        "cumulative change passes the regression tolerance and the trend is significant.",
    )
    history.add_argument(
        "--history",
        "--db",
        dest="db",
        default=default_history(),
        metavar="PATH",
        help=f"the history database, as locust --history names it (default {DEFAULT_HISTORY}; --db is the same)",
    )
    history.add_argument("--record", nargs="+", metavar="RESULT", help="record these result.json files, then exit")
    history.add_argument("--commit", help="with --record: the commit (default: CI variables, else git)")
    _run_selection(
        history,
        "the branch (default main, or the only one recorded; --record: CI/git)",
        "the profile name, e.g. nightly (default: the only one recorded)",
        (DEFAULT_WINDOW, "runs to show and judge"),
    )
    history.add_argument("--endpoint", default="*", metavar="GLOB", help="only endpoints matching this glob")
    history.add_argument("--thresholds", metavar="FILE", help="the profile whose regression: tolerances apply")
    history.add_argument("--html", metavar="PATH", help="also write the trend charts as a self-contained page")
    history.set_defaults(run=_history)
    calibrate = commands.add_parser(
        "calibrate",
        help="write a profile whose limits and tolerances come from 3+ measured runs of an unchanged build",
        description="Reads 3 or more result.json files of the same job (or its last passing runs in the "
        "history) and writes a profile that extends the runs' own: per endpoint, limits an unchanged build "
        "breaches with the --breach probability given the noise measured between the runs, and regression "
        "tolerances this run length can resolve (with the run length that would resolve --tolerance). "
        "Exit 2 when the runs are too few or not comparable.",
    )
    calibrate.add_argument("results", nargs="*", metavar="RESULT", help="result.json files (or merged baselines)")
    calibrate.add_argument("-o", "--output", default="thresholds/calibrated.yaml", metavar="PATH")
    calibrate.add_argument("--thresholds", metavar="FILE", help="the profile to extend (default: the runs' own)")
    calibrate.add_argument("--history", metavar="DB", help="calibrate from the last passing runs in this history")
    _run_selection(
        calibrate,
        "with --history: the branch (default main)",
        "with --history: the profile name, e.g. ci",
        (CALIBRATION_RUNS, f"with --history: runs (default {CALIBRATION_RUNS})"),
    )
    calibrate.add_argument(
        "--breach",
        type=_probability,
        default=0.001,
        metavar="P",
        help="chance that an unchanged run breaches any calibrated limit (default 1/1000)",
    )
    calibrate.add_argument(
        "--tolerance", type=_percent, default=0.2, metavar="PCT", help="the regression tolerance wanted (default 20%%)"
    )
    calibrate.add_argument(
        "--floor", dest="floor_ms", type=_milliseconds, default=10.0, metavar="MS", help="lowest limit (default 10ms)"
    )
    calibrate.add_argument(
        "--error-floor", type=_percent, default=0.01, metavar="PCT", help="lowest error-rate limit (default 1%%)"
    )
    calibrate.add_argument(
        "--margin", type=_percent, default=0.0, metavar="PCT", help="headroom on every limit (default 0%%)"
    )
    calibrate.set_defaults(run=_calibrate)
    plan = commands.add_parser(
        "plan",
        help="the run time a CI gate needs to resolve a tolerance, before writing it (no load run)",
        description="From a trial run's result.json (--from), or the throughput and the number of endpoints, "
        "the smallest change of a percentile the baseline comparison could detect at several run lengths, and "
        "the run length that resolves --tolerance; computed by the comparison itself on runs of that shape "
        "scaled to each length, under the profile's noise.",
    )
    plan.add_argument(
        "--from",
        dest="trial",
        metavar="RESULT",
        help="a trial run's result.json: its endpoints' rates, response times and inflation, in place of "
        "--rps, --endpoints, --spread and --inflation",
    )
    plan.add_argument("--rps", type=float, help="requests per second of the whole run")
    plan.add_argument("--endpoints", type=int, metavar="K", help="endpoints sharing them evenly")
    plan.add_argument("--tolerance", type=_percent, default=0.2, metavar="PCT", help="default 20%%")
    plan.add_argument("--metric", default="p95", help="the percentile compared (default p95)")
    plan.add_argument(
        "--noise", type=_percent, metavar="PCT", help="between-run noise of the runner (default: the profile's, 20%%)"
    )
    plan.add_argument(
        "--endpoint-noise", type=_percent, metavar="PCT", help="per endpoint (default: the profile's, 3%%)"
    )
    plan.add_argument("--spread", type=float, metavar="RATIO", help="p95/p50 of the responses (default 2.5)")
    plan.add_argument(
        "--inflation",
        type=float,
        metavar="X",
        help="variance inflation from queueing (default 1; perfgate calibrate shows your system's)",
    )
    plan.add_argument(
        "--run-time", dest="run_time_s", type=_seconds, metavar="DURATION", help="also show this run length"
    )
    plan.add_argument("--thresholds", metavar="FILE", help="a profile whose regression: noise and confidence apply")
    plan.set_defaults(run=_plan)
    baseline = commands.add_parser("baseline", help="make baselines: merge runs, promote a passing run")
    actions = baseline.add_subparsers(dest="action", required=True)
    merge = actions.add_parser(
        "merge", help="merge passing runs into one baseline (3 or more let the comparison measure noise)"
    )
    merge.add_argument("files", nargs="+", metavar="FILE", help="result.json files or merged baselines")
    merge.add_argument("-o", "--output", required=True, metavar="PATH")
    merge.set_defaults(run=_merge)
    promote = actions.add_parser("promote", help="copy a result.json to the baseline path, only if the run passed")
    promote.add_argument("result", metavar="RESULT")
    promote.add_argument("baseline", metavar="PATH")
    promote.set_defaults(run=_promote)
    return parser


def _log_to_the_terminal() -> None:
    """The `perfgate` logger's messages (the output step's) on stdout, problems on stderr."""
    logger = logging.getLogger("perfgate")
    if logger.handlers:
        return
    for stream, keep in (
        (sys.stdout, lambda r: r.levelno < logging.WARNING),
        (sys.stderr, lambda r: r.levelno >= logging.WARNING),
    ):
        handler = logging.StreamHandler(stream)
        handler.addFilter(keep)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo-api"]:
        from perfgate.demo.server import main as demo_main

        return demo_main(argv[1:])
    args = build_parser().parse_args(argv)
    _log_to_the_terminal()
    return args.run(args)
