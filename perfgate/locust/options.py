"""The options perfgate adds to Locust's command line; each also reads from env (`LOCUST_...`) and
locust.conf like any Locust option. Values are strings: options travel to workers by msgpack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from locust.html import process_html_filename

from perfgate.report.output import REPORT_FILES
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
        "--report-dir",
        default=DEFAULTS.report_dir,
        env_var="LOCUST_REPORT_DIR",
        help="perfgate: where result.json and the other reports are written (default reports)",
        **option,
    )


def overwritten_reports(options: Any) -> list[str]:
    """Where Locust's own --html or --json-file would be one of perfgate's reports: Locust writes its
    HTML before perfgate's reports and its JSON after them, so one would silently replace the other."""
    ours = {(Path(options.report_dir) / name).resolve(): name for name in REPORT_FILES}
    theirs = {}
    if getattr(options, "html_file", None):
        # Locust fills {u}, {r} and {t} in when it writes the file
        named = SimpleNamespace(
            html_file=options.html_file,
            num_users=options.num_users,
            spawn_rate=options.spawn_rate,
            run_time=options.run_time,
        )
        process_html_filename(named)
        theirs[f"--html {options.html_file}"] = Path(named.html_file)
    if getattr(options, "json_file", None):
        theirs[f"--json-file {options.json_file}"] = Path(f"{options.json_file}.json")
    return [
        f"{flag} writes Locust's report to {path}, where perfgate writes its {ours[path.resolve()]} "
        f"(--report-dir {options.report_dir}): one would replace the other; give Locust's report another "
        "name or perfgate another --report-dir"
        for flag, path in theirs.items()
        if path.resolve() in ours
    ]
