"""The end-of-run verdict table for a CI log: plain text, one row per check, then one status line."""

from __future__ import annotations

from typing import Any

from perfgate.core.inert import inert
from perfgate.core.metrics import Kind, format_value, shown
from perfgate.core.model import UNRESOLVED, CheckKind, CheckResult, Result, Status, Verdict
from perfgate.report.text import STATUS_LABELS, checks_counted, ordered, shown_name

REGRESSION_HEADER = (
    "STATUS",
    "ENDPOINT",
    "METRIC",
    "BASELINE",
    "CURRENT",
    "CHANGE",
    "ADJUSTED",
    "90% INTERVAL",
    "DETECTABLE",
    "TOLERANCE",
)


def _actual(check: CheckResult) -> str:
    return shown(check.metric, check.actual)


def status_line(result: Result) -> str:
    total = len(result.checks)
    counted = {status: sum(c.status == status for c in result.checks) for status in Status}
    if result.verdict == Verdict.PASS:
        return f"perfgate: PASS ({checks_counted(total)} passed)"
    if result.verdict == Verdict.FAIL:
        return f"perfgate: FAIL ({counted[Status.FAIL]} of {total} checks failed)"
    if result.verdict == Verdict.REGRESSION:
        return f"perfgate: REGRESSION ({counted[Status.REGRESSION]} of {total} checks regressed)"
    unresolved = sum(counted[status] for status in UNRESOLVED)
    return f"perfgate: INCONCLUSIVE ({unresolved} of {total} checks had no data or could not be decided)"


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def format_change(check: CheckResult, value: float | None) -> str:
    if value is None:
        return "-"
    if check.metric == "error_rate":
        return f"{value * 100:+.2f}pp"
    return f"x{1 + value:.3g}" if value >= 1 else f"{value:+.1%}"


def _value(check: CheckResult, value: float | None) -> str:
    return "-" if value is None else shown(check.metric, value)


def regression_table(checks: list[CheckResult]) -> list[str]:
    """Baseline, current, the change, the change net of the shift shared by every endpoint (what is
    judged) with its 90% interval, what the run could detect."""
    rows: list[tuple[str, ...]] = [REGRESSION_HEADER]
    for check in ordered(checks):
        low, high = check.interval or (None, None)
        interval = "-" if low is None else f"{format_change(check, low)} .. {format_change(check, high)}"
        rows.append(
            (
                STATUS_LABELS[check.status],
                shown_name(check.endpoint),
                check.metric,
                _value(check, check.baseline),
                _value(check, check.actual),
                format_change(check, check.change),
                format_change(check, check.adjusted_change),
                interval,
                format_change(check, check.detectable),
                check.limit,
            )
        )
    return aligned(rows)


def _comparison_notes(result: Result) -> list[str]:
    comparison = result.comparison
    if not comparison:
        return []
    runs = comparison["baseline_runs"]
    notes = [f"baseline {comparison['baseline']} ({runs} run{'s' if runs != 1 else ''})"]
    notes += [f"noise {metric}: {source}" for metric, source in comparison["noise"].items()]
    notes += [f"shift shared by every endpoint, {m}: {g:+.1%}" for m, g in comparison["global_shift"].items()]
    return notes


def render(result: Result) -> str:
    gated = [c for c in result.checks if c.kind != CheckKind.REGRESSION]
    compared = [c for c in result.checks if c.kind == CheckKind.REGRESSION]
    rows = [("STATUS", "ENDPOINT", "METRIC", "LIMIT", "ACTUAL")]
    for check in ordered(gated):
        rows.append(
            (STATUS_LABELS[check.status], shown_name(check.endpoint), check.metric, check.limit, _actual(check))
        )
    lines = aligned(rows)
    if result.capacity is not None:
        lines += ["", *capacity_table(result.capacity)]
    if compared:
        lines += ["", *regression_table(compared), *_comparison_notes(result)]
    details = [
        f"  {shown_name(c.endpoint)}: {inert(c.message)}{_where(c)}" for c in result.checks if c.status != Status.PASS
    ]
    warnings = [f"warning: {inert(warning)}" for warning in result.warnings]
    errors = error_lines(result)
    notes = [_measurement(result)] if result.measurement else []
    if result.aborted is not None:
        notes.append(
            f"aborted at {result.aborted.at_s:.1f}s by {shown_name(result.aborted.endpoint)} {result.aborted.metric}"
        )
    body = ["", *lines, *(["", *details] if details else []), *errors, *warnings, *notes]
    return "\n".join([*body, "", status_line(result), ""])


def error_lines(result: Result) -> list[str]:
    """The most frequent errors of each endpoint that had any: what a failing error rate was made of."""
    lines = [
        f"  {shown_name(key)}: {error['count']} x {inert(error['message'])}"
        for key, stats in sorted(result.endpoints.items())
        for error in stats.get("errors", [])
    ]
    return ["top errors:", *lines] if lines else []


def capacity_table(capacity: dict[str, Any]) -> list[str]:
    """Each judged step of a capacity search, and the capacity it found."""
    rows = [("STEP", "USERS", "RPS", "ERRORS", "SLOWEST P95", "STATUS")]
    for step in capacity["steps"]:
        slowest = max(step["percentiles"].items(), key=lambda item: item[1]["p95"], default=None)
        p95 = f"{format_value(Kind.LATENCY, slowest[1]['p95'])} {slowest[0]}" if slowest else "-"
        rps = format_value(Kind.RPS, step["rps"])
        errors = format_value(Kind.ERROR_RATE, step["error_rate"])
        rows.append((f"{step['step']} {step['label']}", str(step["users"]), rps, errors, p95, step["status"]))
    held = f"capacity: {capacity['users']} users, {format_value(Kind.RPS, capacity['rps'])}"
    held += f" (step {capacity['held_step']})" if capacity["held_step"] else " (no step held)"
    broke = capacity["first_failure"]
    return [*aligned(rows), held + (f"; first failure: {broke}" if broke else "; no step broke")]


def _where(check: CheckResult) -> str:
    return f" ({check.source})" if check.source else ""


def _measurement(result: Result) -> str:
    m = result.measurement
    measured = f"measured {m['measured_s']:.1f}s ({m['measured_requests']} requests)"
    if not m["excluded_s"] and not m["excluded_requests"]:  # no warm-up: nothing to account for
        return measured
    return (
        f"{measured}; warm-up ({m['warmup']}) excluded the first {m['excluded_s']:.1f}s "
        f"({m['excluded_requests']} requests)"
    )


def exit_code_note(verdict_code: int, set_by_another: int | None, exit_code: int) -> str | None:
    """A line when another quitting listener also set the process's exit code (core.evaluate.settled_exit_code)."""
    if set_by_another is None or set_by_another == verdict_code:
        return None
    if exit_code == set_by_another:
        return (
            f"perfgate: exit code {exit_code}, set by another quitting listener (the locustfile's own check?):"
            " perfgate's pass does not clear a failure it did not judge"
        )
    return f"perfgate: exit code {exit_code}, the verdict's; another quitting listener had set {set_by_another}"
