"""The `perfgate` command: demo-api, validate, schema, compare, report, wait-for, history, baseline merge|promote."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from perfgate.core.model import CONFIG_ERROR_EXIT_CODE
from perfgate.core.trend import DEFAULT_WINDOW
from perfgate.report.output import FORMATS, Destinations, deliver
from perfgate.store.history import DEFAULT_HISTORY, default_history
from perfgate.version import __version__

if TYPE_CHECKING:
    from perfgate.core.model import Result


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
    from perfgate.report import console

    result = _loaded(args.current, args.baseline, args.thresholds)
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


def _schema(_args: argparse.Namespace) -> int:
    from perfgate.config.schema import schema

    print(json.dumps(schema(), indent=2))
    return 0


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
        description="Recomputes the regression checks of CURRENT against BASELINE; its threshold and "
        "run-level checks stay as they were judged during the run.",
    )
    compare.add_argument(
        "baseline",
        metavar="BASELINE",
        help="a result.json, a merged baseline, or history:BRANCH (the last 5 passing runs in $PERFGATE_HISTORY)",
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
    history.add_argument("--branch", help="the branch (default main, or the only one recorded; --record: CI/git)")
    history.add_argument("--profile", help="the profile name, e.g. nightly (default: the only one recorded)")
    history.add_argument("--endpoint", default="*", metavar="GLOB", help="only endpoints matching this glob")
    history.add_argument("--last", type=int, default=DEFAULT_WINDOW, metavar="N", help="runs to show and judge")
    history.add_argument("--thresholds", metavar="FILE", help="the profile whose regression: tolerances apply")
    history.add_argument("--html", metavar="PATH", help="also write the trend charts as a self-contained page")
    history.set_defaults(run=_history)
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
