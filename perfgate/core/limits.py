"""Threshold limits: `p95: "< 500ms"`, `error_rate: "< 1%"`, `rps: ">= 50"`, in words
(`"less than 800ms"`, as the CI/CD guide writes them), and k6's `"p(95)<500"`.

Every limit is normalised to its metric kind's unit (core.metrics): milliseconds for latency, a
fraction for error_rate, a count for failures and requests, requests per second for rps. The
patterns here are also the profile JSON Schema's (perfgate.config.schema writes them there).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from perfgate.core.metrics import K6_NAMES, Kind, format_value, kind_of, metric, names

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# the operator, also in words as the CI/CD guide writes its conditions ("p95 less than 800ms")
OPERATOR_WORDS = {"less than": "<", "at most": "<=", "more than": ">", "greater than": ">", "at least": ">="}
OPERATOR = rf"\s*(<=|>=|<|>|{'|'.join(OPERATOR_WORDS)})\s*"
_NUMBER = r"(\d+(?:\.\d+)?)"
# per kind: the limit's pattern (operator, number, unit) and how a message names what it expects
LIMIT_FORMS: dict[Kind, tuple[str, str]] = {
    Kind.LATENCY: (rf"^{OPERATOR}{_NUMBER}\s*(ms|s)?\s*$", 'a duration limit like "< 500ms"'),
    Kind.ERROR_RATE: (rf"^{OPERATOR}{_NUMBER}\s*(%)?\s*$", 'an error-rate limit like "< 1%" or "< 0.01"'),
    Kind.COUNT: (rf"^{OPERATOR}(\d+)\s*$", 'a count limit like "> 100"'),
    Kind.RPS: (rf"^{OPERATOR}{_NUMBER}\s*(/s|rps)?\s*$", 'a throughput limit like ">= 50/s"'),
}
_COMPILED = {kind: re.compile(pattern) for kind, (pattern, _) in LIMIT_FORMS.items()}
K6_HEAD = rf"p\(\s*\d+(?:\.\d+)?\s*\)|{'|'.join(K6_NAMES)}"
K6_PATTERN = rf"^\s*({K6_HEAD})\s*(<=|>=|<|>)\s*\d+(\.\d+)?\s*$"
_K6_FORM = re.compile(rf"^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|{'|'.join(K6_NAMES)})\s*(<=|>=|<|>|==|!=)\s*(\S+)\s*$")
K6_EXPECTED = 'a k6 threshold like "p(95)<500", "avg<200", "max<2000", "rate<0.01" or "count>100"'


def expected_form(name: str) -> str:
    kind = kind_of(name)
    return LIMIT_FORMS[kind][1] if kind else f"a metric: {names()}"


@dataclass(frozen=True)
class Limit:
    metric: str  # the metric's own name (an alias is resolved: median -> p50)
    op: str
    value: float  # in the metric's canonical unit
    text: str  # as the user wrote it

    @property
    def kind(self) -> Kind:
        kind = kind_of(self.metric)
        assert kind is not None
        return kind

    @property
    def quantile(self) -> float | None:
        found = metric(self.metric)
        return found.quantile if found else None

    def holds(self, actual: float) -> bool:
        return OPERATORS[self.op](actual, self.value)

    def describe(self) -> str:
        return f"{self.op} {format_value(self.kind, self.value)}"


def parse_limit(name: str, text: object) -> Limit:
    """Parses `text` as a limit on metric `name`; ValueError says what was expected and what was found."""
    found = metric(name)
    if found is None:
        raise ValueError(f"expected a metric: {names()}, found {name!r}")
    kind = found.kind
    match = _COMPILED[kind].match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected {LIMIT_FORMS[kind][1]}, found {_show(text)}")
    op, number, unit = match.group(1), float(match.group(2)), match.group(3) if match.lastindex == 3 else None
    op = OPERATOR_WORDS.get(op, op)
    if kind == Kind.LATENCY and unit == "s":
        number *= 1000.0
    elif kind == Kind.ERROR_RATE:
        if unit == "%":
            number /= 100.0
        elif number > 1:
            raise ValueError(f'expected a percentage ("< {number:g}%") or a fraction below 1, found {_show(text)}')
        elif number == 1:  # as a fraction 100%, which a gate almost never means: most likely 1% was
            raise ValueError(
                f"expected a percentage or a fraction below 1, found {_show(text)}, which as a fraction is 100% "
                f'(only a run whose every request fails reaches it): write "{op} 1%" for one percent, "{op} 100%" '
                "if that is meant"
            )
    if kind == Kind.ERROR_RATE and number > 1:
        raise ValueError(f"expected an error rate of at most 100%, found {_show(text)}")
    assert isinstance(text, str)
    return Limit(found.name, op, number, text)


def parse_k6(expression: object) -> Limit:
    """k6 threshold expressions, so k6 users can move theirs over: values in ms, rate as a fraction."""
    match = _K6_FORM.match(expression) if isinstance(expression, str) else None
    if match is None:
        raise ValueError(f"expected {K6_EXPECTED}, found {_show(expression)}")
    head, percentile, op, value = match.groups()
    if op in ("==", "!="):
        raise ValueError(f"expected one of <, <=, >, >= (perfgate gates on bounds), found {_show(expression)}")
    name = f"p{percentile}" if percentile else K6_NAMES[head]
    unit = "ms" if kind_of(name) == Kind.LATENCY else ""
    try:
        limit = parse_limit(name, f"{op} {value}{unit}")
    except ValueError:
        raise ValueError(f"expected {K6_EXPECTED}, found {_show(expression)}") from None
    assert isinstance(expression, str)
    return Limit(limit.metric, limit.op, limit.value, expression)


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
