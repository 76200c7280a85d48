"""Threshold limits: `p95: "< 500ms"`, `error_rate: "< 1%"`, `rps: ">= 50"`, and k6's `"p(95)<500"`.

Every limit is normalised to one unit per metric: milliseconds for latency, a fraction for
error_rate, a count for failures and requests, requests per second for rps.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
LATENCY_METRICS = ("avg", "min", "max")
PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
METRIC_NAMES = "p50 ... p99.9, avg, min, max, error_rate, failures, requests, rps"
# the operator, also in words as the CI/CD guide writes its conditions ("p95 less than 800ms")
OPERATOR_WORDS = {"less than": "<", "at most": "<=", "more than": ">", "greater than": ">", "at least": ">="}
_OP = rf"\s*(<=|>=|<|>|{'|'.join(OPERATOR_WORDS)})\s*"
_LIMIT_FORMS = {
    "latency": (re.compile(rf"^{_OP}(\d+(?:\.\d+)?)\s*(ms|s)?\s*$"), 'a duration limit like "< 500ms"'),
    "error_rate": (re.compile(rf"^{_OP}(\d+(?:\.\d+)?)\s*(%)?\s*$"), 'an error-rate limit like "< 1%" or "< 0.01"'),
    "count": (re.compile(rf"^{_OP}(\d+)\s*$"), 'a count limit like "> 100"'),
    "rps": (re.compile(rf"^{_OP}(\d+(?:\.\d+)?)\s*(/s|rps)?\s*$"), 'a throughput limit like ">= 50/s"'),
}
K6_METRICS = {"avg": "avg", "min": "min", "max": "max", "med": "p50", "rate": "error_rate", "count": "requests"}
K6_FORM = re.compile(r"^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate|count)\s*(<=|>=|<|>|==|!=)\s*(\S+)\s*$")
K6_EXPECTED = 'a k6 threshold like "p(95)<500", "avg<200", "max<2000", "rate<0.01" or "count>100"'


def metric_kind(metric: str) -> str | None:
    """latency | error_rate | count | rps, or None for an unknown metric."""
    if metric in LATENCY_METRICS or PERCENTILE.match(metric):
        return "latency"
    return {"error_rate": "error_rate", "failures": "count", "requests": "count", "rps": "rps"}.get(metric)


def expected_form(metric: str) -> str:
    kind = metric_kind(metric)
    return _LIMIT_FORMS[kind][1] if kind else f"a metric: {METRIC_NAMES}"


@dataclass(frozen=True)
class Limit:
    metric: str
    op: str
    value: float  # in the metric's canonical unit
    text: str  # as the user wrote it

    @property
    def kind(self) -> str:
        kind = metric_kind(self.metric)
        assert kind is not None
        return kind

    @property
    def quantile(self) -> float | None:
        match = PERCENTILE.match(self.metric)
        return float(match.group(1)) / 100 if match else None

    def holds(self, actual: float) -> bool:
        return OPERATORS[self.op](actual, self.value)

    def describe(self) -> str:
        return f"{self.op} {format_value(self.kind, self.value)}"


def format_value(kind: str, value: float | None) -> str:
    if value is None:
        return "-"
    if kind == "latency":
        return f"{value:,.0f}ms" if value >= 10 else f"{value:.1f}ms"
    if kind == "error_rate":
        return f"{value * 100:.2f}%"
    if kind == "rps":
        return f"{value:,.1f}/s"
    return f"{value:,.0f}"


def parse_limit(metric: str, text: object) -> Limit:
    """Parses `text` as a limit on `metric`; ValueError says what was expected and what was found."""
    kind = metric_kind(metric)
    if kind is None:
        raise ValueError(f"expected a metric: {METRIC_NAMES}, found {metric!r}")
    pattern, expected = _LIMIT_FORMS[kind]
    match = pattern.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected {expected}, found {_show(text)}")
    op, number, unit = match.group(1), float(match.group(2)), match.group(3) if match.lastindex == 3 else None
    op = OPERATOR_WORDS.get(op, op)
    if kind == "latency" and unit == "s":
        number *= 1000.0
    elif kind == "error_rate":
        if unit == "%":
            number /= 100.0
        elif number > 1:
            raise ValueError(f'expected a percentage ("< {number:g}%") or a fraction up to 1, found {_show(text)}')
    if kind == "error_rate" and number > 1:
        raise ValueError(f"expected an error rate of at most 100%, found {_show(text)}")
    return Limit(metric, op, number, text)


def parse_k6(expression: object) -> Limit:
    """k6 threshold expressions, so k6 users can move theirs over: values in ms, rate as a fraction."""
    match = K6_FORM.match(expression) if isinstance(expression, str) else None
    if match is None:
        raise ValueError(f"expected {K6_EXPECTED}, found {_show(expression)}")
    head, percentile, op, value = match.groups()
    if op in ("==", "!="):
        raise ValueError(f"expected one of <, <=, >, >= (perfgate gates on bounds), found {_show(expression)}")
    metric = f"p{percentile}" if percentile else K6_METRICS[head]
    unit = "" if metric_kind(metric) != "latency" else "ms"
    try:
        limit = parse_limit(metric, f"{op} {value}{unit}")
    except ValueError:
        raise ValueError(f"expected {K6_EXPECTED}, found {_show(expression)}") from None
    return Limit(limit.metric, limit.op, limit.value, expression)


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
