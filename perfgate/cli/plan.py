"""perfgate plan: the run time that resolves a regression tolerance, computed by the comparison's
own statistics before any load is run."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from perfgate.cli.arguments import duration_s, percent
from perfgate.core.model import CONFIG_ERROR_EXIT_CODE

if TYPE_CHECKING:
    from perfgate.core.plan import Workload

PLAN_ROWS_S = (15, 30, 60, 120, 300, 600, 1800)


def add_commands(commands: Any) -> None:
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
    plan.add_argument("--tolerance", type=percent, default=0.2, metavar="PCT", help="default 20%%")
    plan.add_argument("--metric", default="p95", help="the percentile compared (default p95)")
    plan.add_argument(
        "--noise", type=percent, metavar="PCT", help="between-run noise of the runner (default: the profile's, 20%%)"
    )
    plan.add_argument(
        "--endpoint-noise", type=percent, metavar="PCT", help="per endpoint (default: the profile's, 3%%)"
    )
    plan.add_argument("--spread", type=float, metavar="RATIO", help="p95/p50 of the responses (default 2.5)")
    plan.add_argument(
        "--inflation",
        type=float,
        metavar="X",
        help="variance inflation from queueing (default 1; perfgate calibrate shows your system's)",
    )
    plan.add_argument(
        "--run-time", dest="run_time_s", type=duration_s, metavar="DURATION", help="also show this run length"
    )
    plan.add_argument("--thresholds", metavar="FILE", help="a profile whose regression: noise and confidence apply")
    plan.set_defaults(run=_plan)


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
