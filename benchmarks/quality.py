"""4. Gate quality, the number that matters most (docs/design/statistics.md).

Short CI runs of locustfiles/ci.py against the demo API, interleaved A B A B ...: A unchanged,
B with `latency` injected on one endpoint at +10%, +25% or +50% of its p95 in the first A run
(each run gets a fresh demo API, so A and B differ only in the injection). Every rule then judges
the same stored result.json files offline, the way `perfgate compare` does:

- perfgate's default rule (p95 +20%) against one earlier run, and against a merged baseline of five
  A runs with a 20% and a 10% tolerance;
- a naive rule, p95 > 1.2 x the baseline's, and a static limit at 1.5 x the baseline's p95.

Reported with Clopper-Pearson 95% intervals: the family false-alarm rate on A/A comparisons, the
detection rate per effect, the inconclusive rate, and the run-to-run noise of each endpoint.
A/A pairs share runs, so their intervals are optimistic; the per-run figures against the merged
baseline are independent.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from pathlib import Path
from typing import Any

from benchmarks.harness import REPO, rate, run_ci_job
from perfgate.core.baseline import merge
from perfgate.core.model import ALL_ENDPOINTS, histogram_of
from perfgate.core.sampling import quantile_log_variance
from perfgate.core.sides import requests_needed
from perfgate.rejudge import load_result
from perfgate.store.results import read_baseline

INJECTED = "GET /api/v1/projects"
EFFECTS = (0.10, 0.25, 0.50)
MERGED_RUNS = 5
RULES = {
    # name: regression tolerance; min_delta 1 ms because the demo API's p95s are 10-20 ms
    "tol20": "+20%",
    "tol10": "+10%",
}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    users, run_time, cycles = (10, 6, 1) if quick else (50, 40, 5)
    folder.mkdir(parents=True, exist_ok=True)
    profiles = _profiles(folder)
    runs: list[tuple[str, Path]] = []
    first = run_ci_job(folder / "run-00-A", None, users, run_time)
    runs.append(("A", first))
    p95 = json.loads(first.read_text())["endpoints"][INJECTED]["p95"]
    arms = {f"B{round(e * 100)}": round(e * p95, 2) for e in EFFECTS}
    plan = [arm for _ in range(cycles) for b in (list(arms)[-1:] if quick else arms) for arm in (b, "A")]
    for index, arm in enumerate(plan, start=1):
        injection = f"latency:{INJECTED}:{arms[arm]}" if arm in arms else None
        runs.append((arm, run_ci_job(folder / f"run-{index:02d}-{arm}", injection, users, run_time)))
    return {
        "users": users,
        "run_time_s": run_time,
        "injected_endpoint": INJECTED,
        "injected_ms": arms,
        "runs": [(arm, path.parent.parent.name) for arm, path in runs],
        **judge(runs, arms, profiles, folder),
    }


def _profiles(folder: Path) -> dict[str, str]:
    paths = {}
    for name, tolerance in RULES.items():
        path = folder / f"{name}.yaml"
        path.write_text(
            f"version: 1\nextends: {REPO / 'thresholds' / 'ci.yaml'}\n"
            f'regression:\n  min_delta: 1ms\n  default: {{ p95: "{tolerance}" }}\n'
        )
        paths[name] = str(path)
    return paths


def judge(runs: list[tuple[str, Path]], arms: dict[str, float], profiles: dict[str, str], folder: Path) -> dict:
    """Every rule on the same stored runs. Single baseline: every ordered pair of A runs, and every
    B run against every A run. Merged baseline: each run against the MERGED_RUNS passing A runs
    nearest to it in time (itself excluded), so every A and B run gets one independent judgment."""
    order = {path: index for index, (_, path) in enumerate(runs)}
    a_runs = [path for arm, path in runs if arm == "A" and path.is_file()]
    passing = [path for path in a_runs if json.loads(path.read_text())["verdict"] == "pass"]
    comparisons: dict[str, list[dict[str, Any]]] = {"single": [], "merged": []}
    for base, current in itertools.permutations(a_runs, 2):
        comparisons["single"].append(_compare("A", base, current, profiles["tol20"]))
    for arm, current in runs:
        if arm != "A":
            comparisons["single"] += [_compare(arm, base, current, profiles["tol20"]) for base in a_runs]
    for arm, current in runs:
        nearest = sorted((p for p in passing if p != current), key=lambda p: abs(order[p] - order[current]))
        if len(nearest) < MERGED_RUNS:
            continue
        merged = folder / f"merged-for-{current.parent.parent.name}.json"
        merged.write_text(json.dumps(merge([read_baseline(path) for path in nearest[:MERGED_RUNS]])))
        comparisons["merged"] += [_compare(arm, merged, current, p, name) for name, p in profiles.items()]
    return {
        "a_runs_not_passing": len(a_runs) - len(passing),
        "false_alarms": _false_alarms(comparisons),
        "detection": _detection(comparisons, arms),
        "noise": _noise(a_runs),
    }


def _p95s(path: Path) -> dict[str, float]:
    """p95 of every endpoint with enough requests for perfgate to compare it at all."""
    endpoints = json.loads(path.read_text())["endpoints"]
    return {
        key: stats["p95"]
        for key, stats in endpoints.items()
        if stats["requests"] >= requests_needed(0.95) and stats.get("p95")
    }


def _compare(arm: str, baseline: Path, current: Path, profile: str, rule: str = "tol20") -> dict[str, Any]:
    result = load_result(str(current), str(baseline), profile)
    p95 = [c for c in result.checks if c.kind == "regression" and c.metric == "p95"]
    endpoints = [c for c in p95 if c.endpoint not in ("default", ALL_ENDPOINTS)]
    row: dict[str, Any] = {
        "arm": arm,
        "rule": rule,
        "regressed": sorted(c.endpoint for c in endpoints if c.status == "regression"),
        "judged": sorted(c.endpoint for c in endpoints if c.status in ("pass", "regression", "improvement")),
        "global_shift_regression": any(c.status == "regression" for c in p95 if c.endpoint == ALL_ENDPOINTS),
        "any_regression": any(c.status == "regression" for c in result.checks if c.kind == "regression"),
        "eligible": len(_p95s(current)),
    }
    if baseline.name == "result.json":  # the plain rules compare two runs' p95s
        before, after = _p95s(baseline), _p95s(current)
        row["ratios"] = {key: after[key] / before[key] for key in before.keys() & after.keys()}
    return row


def _false_alarms(comparisons: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    single = [c for c in comparisons["single"] if c["arm"] == "A"]
    figures: dict[str, Any] = {
        "perfgate tol 20%, one baseline run: any endpoint": _flagged(single, lambda c: c["regressed"]),
        "perfgate tol 20%, one baseline run: global shift": _flagged(single, lambda c: c["global_shift_regression"]),
        "naive p95 > 1.2 x baseline: any endpoint": _flagged(
            single, lambda c: max(c["ratios"].values(), default=0) > 1.2
        ),
        "static 1.5 x baseline p95: any endpoint": _flagged(
            single, lambda c: max(c["ratios"].values(), default=0) > 1.5
        ),
    }
    for rule in RULES:
        merged = [c for c in comparisons["merged"] if c["arm"] == "A" and c["rule"] == rule]
        figures[f"perfgate {rule}, merged baseline of {MERGED_RUNS}: any regression"] = _flagged(
            merged, lambda c: c["any_regression"]
        )
    figures["endpoints perfgate could judge, A/A one baseline"] = _judged_share(single)
    for rule in RULES:
        merged = [c for c in comparisons["merged"] if c["arm"] == "A" and c["rule"] == rule]
        figures[f"endpoints perfgate could judge, {rule} merged"] = _judged_share(merged)
    return figures


def _judged_share(comparisons: list[dict[str, Any]]) -> dict[str, Any]:
    """Of the endpoints with enough requests, how many perfgate could resolve at the tolerance
    (the rest it names as undecidable instead of passing or failing them)."""
    return rate(sum(len(c["judged"]) for c in comparisons), sum(c["eligible"] for c in comparisons))


def _detection(comparisons: dict[str, list[dict[str, Any]]], arms: dict[str, float]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for arm in arms:
        single = [c for c in comparisons["single"] if c["arm"] == arm]
        row = {
            "perfgate tol 20%, one baseline run": _flagged(single, lambda c: INJECTED in c["regressed"]),
            "naive p95 > 1.2 x baseline": _flagged(single, lambda c: c["ratios"].get(INJECTED, 0) > 1.2),
            "static 1.5 x baseline p95": _flagged(single, lambda c: c["ratios"].get(INJECTED, 0) > 1.5),
            "perfgate could not judge it, one baseline run": _flagged(single, lambda c: INJECTED not in c["judged"]),
        }
        for rule in RULES:
            merged = [c for c in comparisons["merged"] if c["arm"] == arm and c["rule"] == rule]
            row[f"perfgate {rule}, merged baseline of {MERGED_RUNS}"] = _flagged(
                merged, lambda c: INJECTED in c["regressed"]
            )
        row["other endpoints flagged, one baseline run"] = _flagged(single, lambda c: set(c["regressed"]) - {INJECTED})
        figures[arm] = row
    return figures


def _flagged(comparisons: list[dict[str, Any]], predicate: Any) -> dict[str, Any]:
    return rate(sum(1 for c in comparisons if predicate(c)), len(comparisons))


def _noise(a_runs: list[Path]) -> dict[str, Any]:
    """Per endpoint: requests per run, SD of ln p95 between runs, the mean within-run sampling SE
    (exact bootstrap of the histogram) and what remains between runs beyond sampling."""
    tables: dict[str, dict[str, list[float]]] = {}
    for path in a_runs:
        for key, stats in json.loads(path.read_text())["endpoints"].items():
            if stats["requests"] < 200 or not stats["p95"]:
                continue
            row = tables.setdefault(key, {"log_p95": [], "variance": [], "requests": []})
            row["log_p95"].append(math.log(stats["p95"]))
            row["variance"].append(quantile_log_variance(histogram_of(stats["histogram"]), 0.95))
            row["requests"].append(stats["requests"])
    noise = {}
    for key, row in sorted(tables.items()):
        if len(row["log_p95"]) < 3:
            continue
        between = statistics.stdev(row["log_p95"])
        sampling = math.sqrt(statistics.mean(row["variance"]))
        noise[key] = {
            "runs": len(row["log_p95"]),
            "requests_median": statistics.median(row["requests"]),
            "sd_ln_p95_percent": round(between * 100, 1),
            "sampling_se_percent": round(sampling * 100, 1),
            "beyond_sampling_percent": round(math.sqrt(max(0.0, between**2 - sampling**2)) * 100, 1),
            "p95_range_ms": [round(math.exp(min(row["log_p95"])), 2), round(math.exp(max(row["log_p95"])), 2)],
        }
    return noise


def _cell(figure: dict[str, Any]) -> str:
    if not figure.get("of"):
        return "n/a"
    low, high = figure["ci95"]
    return f"{figure['percent']}% ({figure['count']}/{figure['of']}; {low}-{high}%)"


def summary(data: dict[str, Any]) -> list[str]:
    lines = [
        f"{len(data['runs'])} interleaved runs of {data['run_time_s']} s, {data['users']} users;"
        f" injected on {data['injected_endpoint']}: "
        + ", ".join(f"{arm} +{ms} ms" for arm, ms in data["injected_ms"].items()),
        "",
        "| A/A: false alarms per comparison | rate (count; 95% CI) |",
        "|---|---|",
        *[f"| {name} | {_cell(figure)} |" for name, figure in data["false_alarms"].items()],
        "",
    ]
    rules = list(next(iter(data["detection"].values()), {}))
    lines += [
        "| detection | " + " | ".join(data["detection"]) + " |",
        "|---" * (len(data["detection"]) + 1) + "|",
        *[f"| {rule} | " + " | ".join(_cell(row[rule]) for row in data["detection"].values()) + " |" for rule in rules],
        "",
        "| endpoint (A runs) | requests/run | SD of ln p95 between runs | sampling SE | beyond sampling |",
        "|---|---|---|---|---|",
        *[
            f"| {key} | {row['requests_median']:.0f} | {row['sd_ln_p95_percent']}% | {row['sampling_se_percent']}% |"
            f" {row['beyond_sampling_percent']}% |"
            for key, row in data["noise"].items()
        ],
    ]
    return lines
