"""Locust's own report files against perfgate's: `--html` and `--json-file` pointed into the report
directory would replace one of perfgate's reports, or be replaced by it. Apart from options.py,
which a locustfile may import before Locust (perfgate.set_defaults)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from locust.html import process_html_filename

from perfgate.report.output import REPORT_FILES


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
    clashes = []
    for flag, path in theirs.items():
        mine = ours.get(path.resolve())
        if mine:
            clashes.append(
                f"{flag} writes Locust's report to {path}, where perfgate writes its {mine} "
                f"(--report-dir {options.report_dir}): one would replace the other; give Locust's report "
                "another name or perfgate another --report-dir"
            )
    return clashes
