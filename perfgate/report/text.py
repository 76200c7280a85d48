"""Short texts and orders that every report names the same way."""

from __future__ import annotations

from perfgate.core.inert import inert
from perfgate.core.model import STATUS_ORDER, CheckKind, CheckResult, Status

# how much of an endpoint name a report shows (result.json keeps it whole): a 10,000-character name
# would push every other column off a terminal, a table and a CI annotation
NAME_CHARS = 120

STATUS_LABELS = {
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.NO_DATA: "NO DATA",
    Status.INCONCLUSIVE: "INCONCLUSIVE",
    Status.REGRESSION: "REGRESSION",
    Status.IMPROVEMENT: "IMPROVED",
}


def checks_counted(count: int) -> str:
    """ "1 check", "8 checks"."""
    return f"{count} check{'' if count == 1 else 's'}"


def check_title(check: CheckResult) -> str:
    """ "p95 < 800ms", "p95 vs baseline (+20%)": what a check asserts, without its endpoint."""
    if check.kind == CheckKind.REGRESSION:
        return f"{check.metric} vs baseline ({check.limit})"
    return f"{check.metric} {check.limit}".strip()


def ordered(checks: list[CheckResult]) -> list[CheckResult]:
    """What needs attention first: failures, regressions, no data, inconclusive, improved, passed."""
    return sorted(checks, key=lambda c: STATUS_ORDER.index(c.status))


def shown_name(name: str) -> str:
    """An endpoint name as a report shows it: inert (names from older files were not cleaned at
    the source) and cut to NAME_CHARS with an ellipsis."""
    name = inert(name)
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"
