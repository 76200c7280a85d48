"""perfgate calibrate: a profile whose limits and tolerances come from measured runs of an
unchanged build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from perfgate.cli.arguments import milliseconds, percent, probability, run_selection
from perfgate.core.model import CONFIG_ERROR_EXIT_CODE

CALIBRATION_RUNS = 10


def add_commands(commands: Any) -> None:
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
    run_selection(
        calibrate,
        "with --history: the branch (default main)",
        "with --history: the profile name, e.g. ci",
        (CALIBRATION_RUNS, f"with --history: runs (default {CALIBRATION_RUNS})"),
    )
    calibrate.add_argument(
        "--breach",
        type=probability,
        default=0.001,
        metavar="P",
        help="chance that an unchanged run breaches any calibrated limit (default 1/1000)",
    )
    calibrate.add_argument(
        "--tolerance", type=percent, default=0.2, metavar="PCT", help="the regression tolerance wanted (default 20%%)"
    )
    calibrate.add_argument(
        "--floor", dest="floor_ms", type=milliseconds, default=10.0, metavar="MS", help="lowest limit (default 10ms)"
    )
    calibrate.add_argument(
        "--error-floor", type=percent, default=0.01, metavar="PCT", help="lowest error-rate limit (default 1%%)"
    )
    calibrate.add_argument(
        "--margin", type=percent, default=0.0, metavar="PCT", help="headroom on every limit (default 0%%)"
    )
    calibrate.set_defaults(run=_calibrate)


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
