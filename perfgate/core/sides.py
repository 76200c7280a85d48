"""The two sides of a comparison, this run and the baseline's runs, each endpoint pooled once,
and how many requests a side needs before its quantile is compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfgate.core.baseline import RunData, pooled
from perfgate.core.metrics import requests_for
from perfgate.core.model import EndpointStats

GLOBAL = "global"  # the key of every endpoint of a side taken together
ADVISED_BEYOND_QUANTILE = 10  # requests above a quantile for ±10-15% precision (research §4.4)


def requests_needed(quantile: float) -> int:
    """Below this a quantile is in effect the maximum and is not compared at all (as for thresholds)."""
    return requests_for(quantile)


def requests_advised(quantile: float) -> int:
    """What a comparison at a 20% tolerance usually needs per side: p95 200, p99 1000."""
    return requests_for(quantile, ADVISED_BEYOND_QUANTILE)


@dataclass
class Sides:
    """The two runs being compared and the baseline's runs."""

    current: RunData
    runs: list[RunData]
    paired: bool = False  # a duet: runs[0] is the baseline side of the same run, in the same windows
    # pooled stats per (side, key): every rule reads them, and pooling re-parses the histograms
    _pooled: dict[tuple[str, str], EndpointStats] = field(default_factory=dict)

    def keys(self) -> set[str]:
        now = {k for k, s in self.current.endpoints.items() if s["requests"]}
        before = {k for run in self.runs for k, s in run.endpoints.items() if s["requests"]}
        return now & before

    def current_stats(self, key: str) -> EndpointStats:
        if ("current", key) not in self._pooled:
            self._pooled["current", key] = _total(self.current) if key == GLOBAL else pooled([self.current], key)
        return self._pooled["current", key]

    def baseline_stats(self, key: str) -> EndpointStats:
        if ("baseline", key) not in self._pooled:
            if key == GLOBAL:
                stats = EndpointStats.summed([_total(run) for run in self.runs], GLOBAL)
            else:
                stats = pooled(self.runs, key)
            self._pooled["baseline", key] = stats
        return self._pooled["baseline", key]

    def windows(self, key: str) -> tuple[list[float], dict[str, list[Any]]]:
        return self._windows_of(self.current, key)

    def baseline_windows(self, key: str) -> tuple[list[float], dict[str, list[Any]]]:
        if len(self.runs) != 1:
            return [], {"requests": [], "failures": [], "histograms": []}
        return self._windows_of(self.runs[0], key)

    def _windows_of(self, run: RunData, key: str) -> tuple[list[float], dict[str, list[Any]]]:
        """An endpoint's windows; the aggregate's only in a duet (a stored run's total may lack them)."""
        if key == GLOBAL and not self.paired:
            return [], {"requests": [], "failures": [], "histograms": []}
        return run.windows_s, run.windows(None if key == GLOBAL else key)


def _total(run: RunData) -> EndpointStats:
    if run.total.get("histogram") is not None:
        return pooled([RunData(run.source, {GLOBAL: run.total})], GLOBAL)
    return EndpointStats.summed([pooled([run], key) for key in run.endpoints], GLOBAL)
