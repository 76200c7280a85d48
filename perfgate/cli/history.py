"""perfgate history: runs recorded in the SQLite history, and the trend of each endpoint over
them (exit 4 when one drifts, so that a nightly job can gate on it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from perfgate.cli.arguments import run_selection
from perfgate.core.model import CONFIG_ERROR_EXIT_CODE
from perfgate.core.trend import DEFAULT_WINDOW
from perfgate.store.history import DEFAULT_HISTORY, default_history


def add_commands(commands: Any) -> None:
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
    run_selection(
        history,
        "the branch (default main, or the only one recorded; --record: CI/git)",
        "the profile name, e.g. nightly (default: the only one recorded)",
        (DEFAULT_WINDOW, "runs to show and judge"),
    )
    history.add_argument("--endpoint", default="*", metavar="GLOB", help="only endpoints matching this glob")
    history.add_argument("--thresholds", metavar="FILE", help="the profile whose regression: tolerances apply")
    history.add_argument("--html", metavar="PATH", help="also write the trend charts as a self-contained page")
    history.set_defaults(run=_history)


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
