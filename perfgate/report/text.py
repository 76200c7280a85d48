"""Short texts that every report names the same way."""

from __future__ import annotations

from perfgate.core.model import CheckResult

VERDICT_TITLES = {"pass": "PASS", "fail": "FAIL", "regression": "REGRESSION", "inconclusive": "INCONCLUSIVE"}


def check_title(check: CheckResult) -> str:
    """ "p95 < 800ms", "p95 vs baseline (+20%)": what a check asserts, without its endpoint."""
    if check.kind == "regression":
        return f"{check.metric} vs baseline ({check.limit})"
    return f"{check.metric} {check.limit}".strip()
