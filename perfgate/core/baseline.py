"""Baselines as data: the runs a comparison reads (from a result.json, or several merged into
one document), pooling and merging them. Reading them from files is perfgate.store.results' job.

A merged baseline keeps each run's per-endpoint summary and histogram (so that the comparison can
measure between-run noise) and the pooled histograms (what a report shows as "the baseline").
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from perfgate.core.model import RESULT_SCHEMA, EndpointStats, Verdict, endpoint_summary, histogram_of
from perfgate.core.naming import canonical_keys
from perfgate.version import __version__

BASELINE_SCHEMA = "perfgate.baseline/1"
FIRST_BASELINE_HINT = (
    "save one from a passing run on main with --save-baseline PATH (or `perfgate baseline promote "
    "reports/result.json PATH`), or pass --baseline-optional to gate on thresholds only until one exists"
)


class BaselineError(Exception):
    """A baseline or result file that cannot be used; the message says what to do."""


@dataclass
class RunData:
    """What a comparison needs of one run, as stored in result.json."""

    source: str
    endpoints: dict[str, dict[str, Any]]
    total: dict[str, Any] = field(default_factory=dict)
    verdict: str = ""
    started_at: str = ""
    host: str = ""
    profile: str = ""
    load: dict[str, Any] = field(default_factory=dict)
    measured_s: float = 0.0
    windows_s: list[float] = field(default_factory=list)

    def histogram(self, key: str) -> dict[int, int]:
        return histogram_of(self.endpoints[key]["histogram"])

    def windows(self, key: str | None) -> dict[str, list[Any]]:
        """Per-window requests, failures and histograms of an endpoint (None: the aggregate); empty
        lists when not stored."""
        stored = (self.endpoints[key] if key is not None else self.total).get("windows") or {}
        if not self.windows_s or len(stored.get("requests", [])) != len(self.windows_s):
            return {"requests": [], "failures": [], "histograms": []}
        return {
            "requests": stored["requests"],
            "failures": stored["failures"],
            "histograms": [histogram_of(h) for h in stored["histograms"]],
        }


@dataclass
class Baseline:
    path: str
    runs: list[RunData]


def _check_endpoints(endpoints: Any, where: str) -> None:
    if not isinstance(endpoints, dict):
        raise BaselineError(f"{where}: expected a mapping of endpoint to statistics, found {type(endpoints).__name__}")
    for key, stats in endpoints.items():
        place = f"{where}.{json.dumps(key)}"
        if not isinstance(stats, dict):
            raise BaselineError(f"{place}: expected a mapping of statistics, found {type(stats).__name__}")
        for name in ("requests", "failures"):
            if not isinstance(stats.get(name), int) or stats[name] < 0:
                raise BaselineError(f"{place}.{name}: expected a count, found {stats.get(name)!r}")
        histogram = stats.get("histogram")
        valid = isinstance(histogram, dict) and all(
            _is_bucket(b) and isinstance(c, int) and c >= 0 for b, c in histogram.items()
        )
        if not valid:
            raise BaselineError(f"{place}.histogram: expected a mapping of bucket (ms) to count, found {histogram!r}")
        for index, window in enumerate((stats.get("windows") or {}).get("histograms", [])):
            if not all(_is_bucket(b) and isinstance(c, int) and c >= 0 for b, c in window.items()):
                raise BaselineError(f"{place}.windows.histograms[{index}]: expected a mapping of bucket (ms) to count")


def run_data(data: dict[str, Any], source: str, where: str = "", checked: bool = False) -> RunData:
    """One run of a result.json (or of a merged baseline's `runs`), checked for what a comparison
    reads unless the caller made it (`checked`: the running gate's own result)."""
    prefix = f"{source}: {where}" if where else f"{source}: "
    if not checked:
        _check_endpoints(data.get("endpoints"), f"{prefix}endpoints")
    measurement = data.get("measurement") or {}
    return RunData(
        source=data.get("source", source),
        endpoints=canonical_keys(data["endpoints"]),
        total=data.get("total") or {},
        verdict=data.get("verdict", ""),
        started_at=data.get("started_at", ""),
        host=data.get("host", ""),
        profile=data.get("profile", ""),
        load=data.get("load") or {},
        measured_s=float(measurement.get("measured_s") or data.get("duration_s") or 0.0),
        windows_s=list(measurement.get("windows_s") or []),
    )


def duet_baseline(result: dict[str, Any], checked: bool = False) -> Baseline:
    """A duet result's baseline side as the one run of a baseline: the same measurement (windows,
    duration), load and profile as the candidate, its own endpoints and host."""
    duet = result.get("duet")
    if not duet:
        raise BaselineError(
            "no baseline to compare with: the result is not from a duet (--baseline-host); give a BASELINE "
            "(a result.json, a merged baseline or history:BRANCH)"
        )
    side = {key: result.get(key) for key in ("measurement", "load", "profile", "started_at")}
    side |= {"endpoints": duet["endpoints"], "total": duet["total"], "host": duet["baseline_host"]}
    name = f"the duet's baseline side ({duet['baseline_host']})"
    return Baseline(name, [run_data(side, name, "duet.", checked)])


def _stored_run(run: RunData) -> dict[str, Any]:
    return {
        "source": run.source,
        "started_at": run.started_at,
        "verdict": run.verdict,
        "host": run.host,
        "profile": run.profile,
        "load": run.load,
        "measurement": {"measured_s": run.measured_s},
        "total": {k: v for k, v in run.total.items() if k != "windows"},
        "endpoints": {key: {k: v for k, v in s.items() if k != "windows"} for key, s in run.endpoints.items()},
    }


def pooled(runs: list[RunData], key: str) -> EndpointStats:
    """An endpoint's requests of every run in one histogram."""
    stats = EndpointStats("", key)
    for run in runs:
        entry = run.endpoints.get(key)
        if entry is None:
            continue
        stats.method, stats.name = entry.get("method", ""), entry.get("name", key)
        stats.requests += entry["requests"]
        stats.failures += entry["failures"]
        stats.total_response_time += float(entry.get("avg") or 0.0) * entry["requests"]
        stats.max_response_time = max(stats.max_response_time, float(entry.get("max") or 0.0))
        for bucket, count in histogram_of(entry["histogram"]).items():
            stats.histogram[bucket] = stats.histogram.get(bucket, 0) + count
    stats.min_response_time = min(stats.histogram, default=None)
    return stats


def merge(baselines: list[Baseline]) -> dict[str, Any]:
    """One baseline document from several result files or baselines (their runs are flattened)."""
    runs = [run for baseline in baselines for run in baseline.runs]
    refused = [f"{run.source} (verdict {run.verdict})" for run in runs if run.verdict not in (Verdict.PASS, "")]
    if refused:
        raise BaselineError(f"only passing runs make a baseline; not passing: {', '.join(refused)}")
    keys = sorted({key for run in runs for key in run.endpoints})
    measured = sum(run.measured_s for run in runs)
    return {
        "schema": BASELINE_SCHEMA,
        "created_at": datetime.now(UTC).isoformat(),
        "versions": {"perfgate": __version__},
        "runs": [_stored_run(run) for run in runs],
        "endpoints": {key: endpoint_summary(pooled(runs, key), measured) for key in keys},
    }


def promotion_refusal(data: dict[str, Any]) -> str | None:
    """Why a result may not become the baseline, or None: only a passing run may."""
    if data.get("schema") != RESULT_SCHEMA:
        return f"expected a result.json ({RESULT_SCHEMA}), found schema {data.get('schema')!r}"
    if data.get("verdict") != Verdict.PASS:
        return f"its verdict is {data.get('verdict')!r} (exit code {data.get('exit_code')}); only a passing run may"
    return None


@functools.cache  # the same few thousand keys in every histogram of a run
def _is_bucket(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and float(text) >= 0
    except ValueError:
        return False
