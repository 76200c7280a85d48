"""perfgate compare, report and baseline merge|promote: stored results judged again, rendered,
and made into baselines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfgate.core.model import CONFIG_ERROR_EXIT_CODE
from perfgate.report.output import FORMATS, Destinations, deliver

if TYPE_CHECKING:
    from perfgate.core.model import Result


def add_commands(commands: Any) -> None:
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
