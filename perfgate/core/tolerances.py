"""Regression tolerances: how much worse than the baseline a metric may get.

`p95: "+20%"` (a percentile may rise by 20%), `error_rate: "+0.5pp"` (percentage points, since a
relative change of a 0% error rate means nothing), `rps: "-15%"` (throughput may fall by 15%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfgate.core.metrics import Kind, metric, names

# per kind: the tolerance's pattern and how a message names what it expects (also in the schema)
TOLERANCE_FORMS: dict[Kind, tuple[str, str]] = {
    Kind.LATENCY: (r"^\s*\+\s*(\d+(?:\.\d+)?)\s*%\s*$", 'a rise like "+20%"'),
    Kind.ERROR_RATE: (r"^\s*\+\s*(\d+(?:\.\d+)?)\s*pp\s*$", 'a rise in percentage points like "+0.5pp"'),
    Kind.RPS: (r"^\s*-\s*(\d+(?:\.\d+)?)\s*%\s*$", 'a fall like "-15%"'),
}
_COMPILED = {kind: re.compile(pattern) for kind, (pattern, _) in TOLERANCE_FORMS.items()}


def tolerance_kind(name: str) -> Kind | None:
    """The kind of a metric a tolerance may be set on (the table's `tolerance`), else None."""
    found = metric(name)
    return found.kind if found and found.tolerance else None


def expected_tolerance(name: str) -> str:
    kind = tolerance_kind(name)
    return TOLERANCE_FORMS[kind][1] if kind else f"a metric: {names(tolerance=True)}"


@dataclass(frozen=True)
class Tolerance:
    metric: str
    value: float  # relative (0.2 = 20%) for latency and rps; a fraction of requests for error_rate
    text: str

    @property
    def kind(self) -> Kind:
        kind = tolerance_kind(self.metric)
        assert kind is not None
        return kind

    @property
    def quantile(self) -> float:
        found = metric(self.metric)
        assert found is not None and found.quantile is not None
        return found.quantile

    def describe(self) -> str:
        return self.text.replace(" ", "")


def parse_tolerance(name: str, text: object) -> Tolerance:
    kind = tolerance_kind(name)
    if kind is None:
        raise ValueError(f"expected a metric with regression checks ({names(tolerance=True)}), found {name!r}")
    match = _COMPILED[kind].match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected {TOLERANCE_FORMS[kind][1]}, found {text!r}")
    found = metric(name)
    assert found is not None and isinstance(text, str)
    return Tolerance(found.name, float(match.group(1)) / 100, text.strip())


def parse_share(text: object, what: str) -> float:
    """ "5%" or 0.05 -> 0.05, for confidence and noise settings."""
    if isinstance(text, int | float) and not isinstance(text, bool) and 0 <= text <= 1:
        return float(text)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", text) if isinstance(text, str) else None
    if match is None or float(match.group(1)) > 100:
        raise ValueError(f'expected {what} as a percentage like "5%" or a fraction like 0.05, found {text!r}')
    return float(match.group(1)) / 100
