"""Regression tolerances: how much worse than the baseline a metric may get.

`p95: "+20%"` (a percentile may rise by 20%), `error_rate: "+0.5pp"` (percentage points, since a
relative change of a 0% error rate means nothing), `rps: "-15%"` (throughput may fall by 15%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfgate.core.limits import PERCENTILE

REGRESSION_METRICS = "p50 ... p99.9, error_rate, rps"
_FORMS = {
    "latency": (re.compile(r"^\s*\+\s*(\d+(?:\.\d+)?)\s*%\s*$"), 'a rise like "+20%"'),
    "error_rate": (re.compile(r"^\s*\+\s*(\d+(?:\.\d+)?)\s*pp\s*$"), 'a rise in percentage points like "+0.5pp"'),
    "rps": (re.compile(r"^\s*-\s*(\d+(?:\.\d+)?)\s*%\s*$"), 'a fall like "-15%"'),
}


def tolerance_kind(metric: str) -> str | None:
    """latency | error_rate | rps, or None for a metric without regression checks."""
    if PERCENTILE.match(metric) and float(metric[1:]) < 100:
        return "latency"
    return metric if metric in ("error_rate", "rps") else None


def expected_tolerance(metric: str) -> str:
    kind = tolerance_kind(metric)
    return _FORMS[kind][1] if kind else f"a metric: {REGRESSION_METRICS}"


@dataclass(frozen=True)
class Tolerance:
    metric: str
    value: float  # relative (0.2 = 20%) for latency and rps; a fraction of requests for error_rate
    text: str

    @property
    def kind(self) -> str:
        kind = tolerance_kind(self.metric)
        assert kind is not None
        return kind

    @property
    def quantile(self) -> float:
        return float(self.metric[1:]) / 100

    def describe(self) -> str:
        return self.text.replace(" ", "")


def parse_tolerance(metric: str, text: object) -> Tolerance:
    kind = tolerance_kind(metric)
    if kind is None:
        raise ValueError(f"expected a metric with regression checks ({REGRESSION_METRICS}), found {metric!r}")
    pattern, expected = _FORMS[kind]
    match = pattern.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected {expected}, found {text!r}")
    number = float(match.group(1))
    return Tolerance(metric, number / 100, text.strip())


def parse_share(text: object, what: str) -> float:
    """ "5%" or 0.05 -> 0.05, for confidence and noise settings."""
    if isinstance(text, int | float) and not isinstance(text, bool) and 0 <= text <= 1:
        return float(text)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", text) if isinstance(text, str) else None
    if match is None or float(match.group(1)) > 100:
        raise ValueError(f'expected {what} as a percentage like "5%" or a fraction like 0.05, found {text!r}')
    return float(match.group(1)) / 100
