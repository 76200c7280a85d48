"""The options perfgate adds to Locust's command line; each that users set also reads from env
(`LOCUST_...`) and locust.conf like any Locust option. Values are strings or numbers: options
travel to workers by msgpack."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfgate.store.history import DEFAULT_HISTORY


@dataclass
class OptionDefaults:
    """What a locustfile may set before Locust parses the command line (perfgate.set_defaults)."""

    thresholds: str | None = None
    report_dir: str = "reports"


DEFAULTS = OptionDefaults()


def set_defaults(thresholds: str | Path | None = None, report_dir: str | Path | None = None) -> None:
    """Defaults for --thresholds / --report-dir, set by a locustfile before Locust parses options."""
    if thresholds is not None:
        DEFAULTS.thresholds = _shortest(thresholds)
    if report_dir is not None:
        DEFAULTS.report_dir = str(report_dir)


def _shortest(path: str | Path) -> str:
    """A path relative to the working directory when it lies below it, so messages stay readable."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def add_options(parser: Any) -> None:
    option = {"include_in_web_ui": False}
    parser.add_argument(
        "--thresholds",
        default=DEFAULTS.thresholds,
        env_var="LOCUST_THRESHOLDS",
        help="perfgate: the threshold profile (YAML) that decides the exit code",
        **option,
    )
    parser.add_argument(
        "--baseline",
        default=None,
        env_var="LOCUST_BASELINE",
        help="perfgate: result.json of an earlier run (or a merged baseline) to compare against",
        **option,
    )
    parser.add_argument(
        "--baseline-optional",
        action="store_true",
        default=False,
        env_var="LOCUST_BASELINE_OPTIONAL",
        help="perfgate: a missing or unreadable --baseline only warns (the run is gated on thresholds only)",
        **option,
    )
    parser.add_argument(
        "--baseline-host",
        default=None,
        env_var="LOCUST_BASELINE_HOST",
        help="perfgate: a duet: drive this baseline deployment beside --host with the same users, and compare "
        "the two within the run (embedded: a second demo API, for locustfiles that embed one)",
        **option,
    )
    parser.add_argument(
        "--save-baseline",
        default=None,
        env_var="LOCUST_SAVE_BASELINE",
        help="perfgate: write this run's result.json to this path too, if the run passed",
        **option,
    )
    parser.add_argument(
        "--history",
        nargs="?",
        const=DEFAULT_HISTORY,
        default=None,
        env_var="LOCUST_HISTORY",
        help=f"perfgate: record this run in a SQLite history (default {DEFAULT_HISTORY}); "
        "--baseline history:BRANCH reads it",
        **option,
    )
    parser.add_argument(
        "--request-timeout-of-master",
        type=float,
        default=None,
        # not for users: a master sets it from its profile, and Locust sends it to every worker with
        # each spawn message, so that a worker started without the profile times requests out alike
        help=argparse.SUPPRESS,
        **option,
    )
    parser.add_argument(
        "--report-dir",
        default=DEFAULTS.report_dir,
        env_var="LOCUST_REPORT_DIR",
        help="perfgate: where result.json and the other reports are written (default reports)",
        **option,
    )
