"""The end-of-run verdict table for a CI log: plain text, one row per check, then one status line."""

from __future__ import annotations

from perfgate.limits import format_value, metric_kind
from perfgate.model import CheckResult, Result

STATUS_LABELS = {
    "pass": "PASS",
    "fail": "FAIL",
    "no_data": "NO DATA",
    "inconclusive": "INCONCLUSIVE",
    "regression": "REGRESSION",
    "improvement": "IMPROVED",
}
_ORDER = {"fail": 0, "regression": 1, "no_data": 2, "inconclusive": 3, "improvement": 4, "pass": 5}


def _actual(check: CheckResult) -> str:
    return format_value(metric_kind(check.metric) or "count", check.actual)


def status_line(result: Result) -> str:
    total = len(result.checks)
    counted = {status: sum(c.status == status for c in result.checks) for status in STATUS_LABELS}
    if result.verdict == "pass":
        return f"perfgate: PASS ({total} checks passed)"
    if result.verdict == "fail":
        return f"perfgate: FAIL ({counted['fail']} of {total} checks failed)"
    if result.verdict == "regression":
        return f"perfgate: REGRESSION ({counted['regression']} of {total} checks regressed)"
    unresolved = counted["no_data"] + counted["inconclusive"]
    return f"perfgate: INCONCLUSIVE ({unresolved} of {total} checks had no data or could not be decided)"


def render(result: Result) -> str:
    rows = [("STATUS", "ENDPOINT", "METRIC", "LIMIT", "ACTUAL")]
    for check in sorted(result.checks, key=lambda c: _ORDER.get(c.status, 9)):
        rows.append(
            (STATUS_LABELS.get(check.status, check.status), check.endpoint, check.metric, check.limit, _actual(check))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    details = [f"  {c.endpoint}: {c.message}{_where(c)}" for c in result.checks if c.status != "pass"]
    warnings = [f"warning: {warning}" for warning in result.warnings]
    notes = [_measurement(result)] if result.measurement else []
    if result.aborted is not None:
        notes.append(f"aborted at {result.aborted.at_s:.1f}s by {result.aborted.endpoint} {result.aborted.metric}")
    body = ["", *lines, *(["", *details] if details else []), *warnings, *notes]
    return "\n".join([*body, "", status_line(result), ""])


def _where(check: CheckResult) -> str:
    return f" ({check.source})" if check.source else ""


def _measurement(result: Result) -> str:
    m = result.measurement
    return (
        f"measured {m['measured_s']:.1f}s ({m['measured_requests']} requests); warm-up ({m['warmup']}) "
        f"excluded the first {m['excluded_s']:.1f}s ({m['excluded_requests']} requests)"
    )
