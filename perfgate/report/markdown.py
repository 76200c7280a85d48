"""summary.md: the verdict in GitHub-flavoured Markdown (a job's step summary, a merge-request
comment, a CI log): the status line, the checks that did not pass, then every endpoint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from perfgate.core.inert import inert
from perfgate.core.metrics import shown
from perfgate.core.model import (
    CONFIG_ERROR_EXIT_CODE,
    REFUSED,
    CheckKind,
    CheckResult,
    Refusal,
    Result,
    Status,
    profile_name,
)
from perfgate.report.console import format_change, status_line
from perfgate.report.text import STATUS_LABELS, check_title, ordered, shown_name
from perfgate.store.files import write_atomic

FILE_NAME = "summary.md"
STATUS_ICONS = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.REGRESSION: "📉",
    Status.IMPROVEMENT: "📈",
    Status.INCONCLUSIVE: "⚠️",
    Status.NO_DATA: "⚠️",
}


_MARKUP = re.compile(r"([\\`*_\[\]<>&~|])")
_BACKTICKS = re.compile("`+")


def _cell(text: str) -> str:
    """Plain text in a table cell or a list item: inert, every character that Markdown or HTML
    would act on escaped (a name in a message cannot add a link, an image or a column)."""
    return _MARKUP.sub(r"\\\1", inert(text))


def _code(name: str) -> str:
    """A name as code: fenced by more backticks than it holds in a row; `|` escaped, which GFM
    undoes inside code in a table."""
    name = shown_name(name).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(name)), default=0) + 1)
    pad = " " if name.startswith("`") or name.endswith("`") else ""
    return f"{fence}{pad}{name}{pad}{fence}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _value(metric: str, value: float | None) -> str:
    return "-" if value is None else shown(metric, value)


def _check_row(check: CheckResult) -> str:
    baseline = _value(check.metric, check.baseline) if check.kind == CheckKind.REGRESSION else ""
    change = format_change(check, check.adjusted_change) if check.kind == CheckKind.REGRESSION else ""
    status = f"{STATUS_ICONS[check.status]} {STATUS_LABELS[check.status]}"
    cells = [check_title(check), _value(check.metric, check.actual), baseline, change, check.message]
    return _row([_cell(status), _code(check.endpoint), *(_cell(c) for c in cells)])


CHECK_HEADER = ["| Status | Endpoint | Check | Actual | Baseline | Change | Why |", "|---|---|---|--:|--:|--:|---|"]


def _changes(result: Result) -> dict[str, str]:
    """The p95 change against the baseline per endpoint, net of the shared shift."""
    return {
        c.endpoint: format_change(c, c.adjusted_change)
        for c in result.checks
        if c.kind == CheckKind.REGRESSION and c.metric == "p95" and c.adjusted_change is not None
    }


def _endpoint_rows(result: Result, most: int | None) -> list[str]:
    changes = _changes(result)
    rows = [
        "| Endpoint | Requests | Errors | p50 | p95 | p99 | rps | p95 vs baseline |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for key, stats in _first(sorted(result.endpoints.items()), most):
        cells = [
            f"{stats['requests']:,}",
            f"{stats['error_rate']:.2%}",
            _value("p50", stats.get("p50")),
            _value("p95", stats.get("p95")),
            _value("p99", stats.get("p99")),
            f"{stats['rps']:.1f}",
            changes.get(key, ""),
        ]
        rows.append(_row([_code(key), *(_cell(c) for c in cells)]))
    return rows + _cut(len(result.endpoints), most)


def capacity_rows(capacity: dict[str, Any]) -> list[str]:
    held = f"**Capacity: {capacity['users']} users, {capacity['rps']:.1f} requests/s**"
    broke = capacity["first_failure"]
    rows = [held + (f"; first failure: {_cell(broke)}" if broke else "; no step broke"), ""]
    rows += ["| Step | Users | rps | Errors | Status | First failure |", "|---|--:|--:|--:|---|---|"]
    for step in capacity["steps"]:
        failed = _cell(step["failed"][0]) if step["failed"] else ""
        cells = [f"{step['step']} {step['label']}", str(step["users"]), f"{step['rps']:.1f}"]
        cells += [f"{step['error_rate']:.2%}", step["status"], failed]
        rows.append(_row([_cell(c) for c in cells]))
    return rows


def headline(result: Result) -> str:
    load = result.load
    context = [f"profile {_code(profile_name(result.profile))}", f"{result.duration_s:.0f} s"]
    if load.get("users"):
        context.append(f"{load['users']} users")
    if load.get("workers"):
        context.append(f"{load['workers']} workers")
    status = status_line(result).removeprefix("perfgate: ")
    return f"### {STATUS_ICONS[Status(result.verdict)]} perfgate · {status} ({', '.join(context)})"


# GitHub refuses a comment (and truncates a step summary) beyond 65,536 characters; the comment
# step adds its marker line
COMMENT_LIMIT = 65_536
MARKER_ROOM = 256
ROW_BUDGETS = (None, 500, 200, 100, 50, 20, 10, 0)  # rows per table, tried in turn


def render(result: Result) -> str:
    """The summary, its largest tables cut (with a note) until it fits in one comment."""
    for most in ROW_BUDGETS:
        text = _render(result, most)
        if len(text) <= COMMENT_LIMIT - MARKER_ROOM:
            return text
    return text[: COMMENT_LIMIT - MARKER_ROOM]


def _first(items: list[Any], most: int | None) -> list[Any]:
    return items if most is None else items[:most]


def _cut(count: int, most: int | None) -> list[str]:
    if most is None or count <= most:
        return []
    return [
        "",
        f"… and {count - most:,} more rows, cut to fit GitHub's {COMMENT_LIMIT:,}-character limit; "
        "result.json has every one.",
    ]


def _render(result: Result, most: int | None) -> str:
    lines = [headline(result), ""]
    unresolved = [c for c in result.checks if c.status != Status.PASS]
    if unresolved:
        shown_checks = _first(ordered(unresolved), most)
        lines += [*CHECK_HEADER, *(_check_row(c) for c in shown_checks), *_cut(len(unresolved), most), ""]
    if result.comparison:
        comparison = result.comparison
        lines.append(f"Baseline {_code(comparison['baseline'])} ({comparison['baseline_runs']} runs).")
        lines += [f"Shift shared by every endpoint, {m}: {g:+.1%}." for m, g in comparison["global_shift"].items()]
        lines.append("")
    if result.capacity is not None:
        lines += [*capacity_rows(result.capacity), ""]
    lines += [*_endpoint_rows(result, most), ""]
    lines += ["<details><summary>All " + f"{len(result.checks)} checks</summary>", "", *CHECK_HEADER]
    lines += [*(_check_row(c) for c in _first(result.checks, most)), *_cut(len(result.checks), most)]
    lines += ["", "</details>", ""]
    if result.warnings:
        warnings = [f"- ⚠️ {_cell(w)}" for w in _first(result.warnings, most)]
        lines += ["**Warnings**", "", *warnings, *_cut(len(result.warnings), most), ""]
    return "\n".join(lines)


def write(result: Result, report_dir: Path) -> Path:
    return _write(render(result), report_dir)


def render_refusal(refusal: Refusal, most: int = 50) -> str:
    """summary.md of a run perfgate refused: what a pull-request comment updated from it shows
    instead of an earlier run's verdict."""
    what = f"{REFUSED}: {_cell(refusal.what)}; nothing was run (exit code {CONFIG_ERROR_EXIT_CODE})"
    shown = _first(list(refusal.problems), most)
    lines = [f"### ⛔ perfgate · {what}", "", *(f"- {_cell(problem)}" for problem in shown)]
    more = len(refusal.problems) - len(shown)
    return "\n".join([*lines, *([f"- … and {more} more, printed by the run"] if more > 0 else []), ""])


def write_refusal(refusal: Refusal, report_dir: Path) -> Path:
    return _write(render_refusal(refusal), report_dir)


def _write(text: str, report_dir: Path) -> Path:
    path = report_dir / FILE_NAME
    write_atomic(path, text)
    return path
