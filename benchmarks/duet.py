"""4c. Duet runs against stored baselines (`python -m benchmarks quality --duet`).

Duets of the CI job (locustfiles/ci.py, the same users on each side, two fresh demo APIs: the
candidate's with an injection on one endpoint, the baseline side's without), beside sequential
single runs of the same job judged the stored-baseline way (each B run and each A run against
every other A run). Arms, as shares of the injected endpoint's p95 in the A/A duets stored when
the first injected run starts (the median over both sides of at least three: one duet's p95 was
6-37 ms here, around a median of 7):

- A: unchanged (A/A duets: false alarms), L25 / L50: +25% / +50% as sleeping latency,
  C10 / C25: +10% / +25% as CPU burnt on the server's event loop (it also slows the baseline
  side's server where the two share cores);
- sequential A and L25 runs, one of each every few duets.

Every run keeps its result.json in the work folder; a later `--resume` runs only what is missing
(`--minutes` bounds one sitting), and the figures are always judged from every stored run.
Reported with Clopper-Pearson 95% intervals: false alarms per endpoint comparison and per run,
detection of the injected endpoint, and the noise of ln(p95 candidate / p95 baseline) within a duet
next to the noise of ln(p95 run / p95 run) between sequential runs.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import REPO, LocustCommand, rate, run_locust
from perfgate.core.model import ALL_ENDPOINTS
from perfgate.demo.launcher import start_demo_api
from perfgate.rejudge import DUET, load_result

INJECTED = "GET /api/v1/projects"
DUET_ARMS = {"A": None, "L25": ("latency", 0.25), "L50": ("latency", 0.50), "C10": ("cpu", 0.10), "C25": ("cpu", 0.25)}
CYCLE = ["A", "L25", "L50", "A", "L25", "L50", "C10", "C25"]  # 10 cycles: 20 A, 20 L25, 20 L50, 10 C10, 10 C25
CYCLES = 10
SEQUENTIAL = ["sA", "sL25"]  # one of these after each cycle's duets, alternating
SIZING = ["run-00-A", "run-00-A-2", "run-00-A-3"]  # the A/A duets that size the injections
MIN_REQUESTS_FOR_NOISE = 200
# Each run is judged twice: by its profile's regression rules, and by the same rules with min_delta 0,
# the statistic alone. The injected endpoint's p95 is 5-14 ms, so +25% is 1-3 ms, which the default
# min_delta of 5 ms never calls a regression.
MIN_DELTA_ALONE_MS = 0.0


def plan(quick: bool) -> list[str]:
    """The runs after the sizing duets, in order; the first two cycles get both sequential
    arms, so that stored-baseline comparisons exist from the first sitting on."""
    if quick:
        return ["L50", "sA", "sA", "sL25"]
    runs = []
    for cycle in range(CYCLES):
        runs += [*CYCLE, SEQUENTIAL[cycle % 2]]
        if cycle < 2:
            runs.append(SEQUENTIAL[(cycle + 1) % 2])
    return runs


def measure(quick: bool, folder: Path, minutes: float | None = None) -> dict[str, Any]:
    users, run_time = (5, 8) if quick else (25, 60)
    folder.mkdir(parents=True, exist_ok=True)
    runs = plan(quick)
    settings = folder / "settings.json"
    if not settings.is_file():  # the A/A duets so far set the injected amounts for every later sitting
        for name in SIZING:
            if not (folder / name / "reports" / "result.json").is_file():
                _run(folder / name, "A", None, users, run_time)
        unchanged = [json.loads(path.read_text()) for arm, path in _stored(folder, runs) if arm == "A"]
        p95s = [side["endpoints"][INJECTED]["p95"] for data in unchanged for side in (data, data["duet"])]
        fixed = {"p95_ms": statistics.median(p95s), "sized_from": p95s, "users": users, "run_time_s": run_time}
        settings.write_text(json.dumps(fixed))
    fixed = json.loads(settings.read_text())
    deadline = time.monotonic() + minutes * 60 if minutes else math.inf
    for index, arm in enumerate(runs, start=1):
        path = folder / f"run-{index:02d}-{arm}" / "reports" / "result.json"
        if path.is_file():
            continue
        if time.monotonic() > deadline:
            break
        _run(path.parent.parent, arm, fixed["p95_ms"], fixed["users"], fixed["run_time_s"])
    return judge(folder, runs, fixed)


def _injection(arm: str, p95_ms: float | None) -> str | None:
    spec = DUET_ARMS.get(arm.removeprefix("s"))
    if spec is None or p95_ms is None:
        return None
    kind, share = spec
    return f"{kind}:{INJECTED}:{round(share * p95_ms, 2)}"


def _run(folder: Path, arm: str, p95_ms: float | None, users: int, run_time: int) -> Path:
    """One run of the CI job: a duet (two demo APIs), or a sequential one (`s` arms: one)."""
    injection = _injection(arm, p95_ms)
    candidate = start_demo_api([injection] if injection else None)
    baseline = None if arm.startswith("s") else start_demo_api()
    try:
        command = LocustCommand(REPO / "locustfiles" / "ci.py", candidate.url, users, run_time, spawn_rate=25)
        command.extra = ["--report-dir", "reports"] + (["--baseline-host", baseline.url] if baseline else [])
        run_locust(command, folder)
    finally:
        candidate.stop()
        if baseline is not None:
            baseline.stop()
    return folder / "reports" / "result.json"


def _stored(folder: Path, runs: list[str]) -> list[tuple[str, Path]]:
    paths = [("A", folder / name / "reports" / "result.json") for name in SIZING]
    paths += [(arm, folder / f"run-{i:02d}-{arm}" / "reports" / "result.json") for i, arm in enumerate(runs, start=1)]
    return [(arm, path) for arm, path in paths if path.is_file()]


def judge(folder: Path, runs: list[str], fixed: dict[str, Any]) -> dict[str, Any]:
    stored = _stored(folder, runs)
    duets = [(arm, path) for arm, path in stored if not arm.startswith("s")]
    sequential_a = [path for arm, path in stored if arm == "sA"]
    judged: dict[str, list[dict[str, Any]]] = {}
    for suffix, min_delta in (("", None), ("_min_delta_0", MIN_DELTA_ALONE_MS)):
        judged["duet" + suffix] = [
            _row(arm, load_result(str(path), DUET, None, min_delta)) | {"sides": _sides(path)} for arm, path in duets
        ]
        judged["stored_baseline" + suffix] = [
            _row(arm.removeprefix("s"), load_result(str(path), str(base), None, min_delta))
            for arm, path in stored
            if arm.startswith("s")
            for base in sequential_a
            if base != path
        ]
    return {
        "users_per_side": fixed["users"],
        "run_time_s": fixed["run_time_s"],
        "injected_endpoint": INJECTED,
        "injected_ms": {arm: _injection(arm, fixed["p95_ms"]) for arm in DUET_ARMS if arm != "A"},
        "runs_done": {arm: sum(1 for a, _ in stored if a == arm) for arm in [*DUET_ARMS, *SEQUENTIAL]},
        "runs_planned": {arm: [*["A"] * len(SIZING), *runs].count(arm) for arm in [*DUET_ARMS, *SEQUENTIAL]},
        **{method: _figures(rows) for method, rows in judged.items()},
        "interference": _interference(judged["duet"]),
        "noise": _noise(duets, sequential_a),
    }


def _row(arm: str, result: Any) -> dict[str, Any]:
    checks = [c for c in result.checks if c.kind == "regression"]
    endpoints = [c for c in checks if c.metric == "p95" and c.endpoint not in ("default", ALL_ENDPOINTS)]
    return {
        "arm": arm,
        "regressed": sorted(c.endpoint for c in endpoints if c.status == "regression"),
        "judged": sorted(c.endpoint for c in endpoints if c.status in ("pass", "regression", "improvement")),
        "any_regression": any(c.status == "regression" for c in checks),
        "inconclusive_run": any(c.status == "inconclusive" for c in result.checks if c.kind == "run"),
        "detectable": {c.endpoint: c.detectable for c in endpoints if c.detectable is not None},
        "change": {c.endpoint: c.change for c in endpoints if c.change is not None},
    }


def _sides(path: Path) -> dict[str, dict[str, float]]:
    """p95 of each endpoint with enough requests, per side of a duet."""
    return {"candidate": _p95s(path), "baseline": _p95s(path, "duet")}


def _interference(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per arm: the injected endpoint's measured change (median), and how much slower the baseline
    side's endpoints were than in the A/A duets (median over endpoints of the median log ratio):
    what a candidate that costs CPU takes from the baseline side it shares the machine with."""
    unchanged = [r["sides"]["baseline"] for r in rows if r["arm"] == "A"]
    reference = {
        key: statistics.median(math.log(sides[key]) for sides in unchanged if key in sides)
        for key in {k for sides in unchanged for k in sides}
    }
    figures = {}
    for arm in sorted({r["arm"] for r in rows}):
        changed = [r for r in rows if r["arm"] == arm]
        shifts = [
            statistics.median(
                math.log(r["sides"]["baseline"][key]) - reference[key] for r in changed if key in r["sides"]["baseline"]
            )
            for key in reference
            if any(key in r["sides"]["baseline"] for r in changed)
        ]
        measured = [r["change"][INJECTED] for r in changed if INJECTED in r["change"]]
        figures[arm] = {
            "measured_change": round(statistics.median(measured), 3) if measured else None,
            "baseline_slowed": round(math.expm1(statistics.median(shifts)), 3) if shifts else None,
        }
    return figures


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    unchanged = [r for r in rows if r["arm"] == "A"]
    figures: dict[str, Any] = {
        "A/A: false alarms per endpoint comparison": rate(
            sum(len(r["regressed"]) for r in unchanged), sum(len(r["judged"]) for r in unchanged)
        ),
        "A/A: runs with any regression": rate(sum(r["any_regression"] for r in unchanged), len(unchanged)),
    }
    for arm in sorted({r["arm"] for r in rows} - {"A"}):
        changed = [r for r in rows if r["arm"] == arm]
        figures[f"{arm}: injected endpoint flagged"] = rate(
            sum(INJECTED in r["regressed"] for r in changed), len(changed)
        )
        figures[f"{arm}: injected endpoint judged"] = rate(sum(INJECTED in r["judged"] for r in changed), len(changed))
        figures[f"{arm}: another endpoint flagged"] = rate(
            sum(bool(set(r["regressed"]) - {INJECTED}) for r in changed), len(changed)
        )
    detectable = [r["detectable"][INJECTED] for r in rows if INJECTED in r["detectable"]]
    figures["median detectable change on the injected endpoint"] = (
        round(statistics.median(detectable), 3) if detectable else None
    )
    return figures


def _p95s(path: Path, block: str | None = None) -> dict[str, float]:
    data = json.loads(path.read_text())
    endpoints = data["duet"]["endpoints"] if block == "duet" else data["endpoints"]
    return {k: s["p95"] for k, s in endpoints.items() if s["requests"] >= MIN_REQUESTS_FOR_NOISE and s["p95"]}


def _noise(duets: list[tuple[str, Path]], sequential_a: list[Path]) -> dict[str, Any]:
    """Per endpoint, SD of ln(p95 ratio): candidate vs baseline side within each A/A duet, and
    between every pair of sequential A runs (pairs share runs: a rough figure)."""
    within: dict[str, list[float]] = {}
    for arm, path in duets:
        if arm != "A":
            continue
        candidate, baseline = _p95s(path), _p95s(path, "duet")
        for key in candidate.keys() & baseline.keys():
            within.setdefault(key, []).append(math.log(candidate[key] / baseline[key]))
    between: dict[str, list[float]] = {}
    for first, second in itertools.combinations(sequential_a, 2):
        one, two = _p95s(first), _p95s(second)
        for key in one.keys() & two.keys():
            between.setdefault(key, []).append(math.log(one[key] / two[key]))
    rows = {}
    for key in sorted(within.keys() | between.keys()):
        rows[key] = {
            "duets": len(within.get(key, [])),
            "sd_ln_ratio_duet_percent": _sd_percent(within.get(key, [])),
            "sequential_pairs": len(between.get(key, [])),
            "sd_ln_ratio_sequential_percent": _sd_percent(between.get(key, [])),
        }
    return rows


def _sd_percent(values: list[float]) -> float | None:
    return round(math.sqrt(statistics.fmean(v * v for v in values)) * 100, 1) if len(values) >= 2 else None


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value}%"


def _cell(figure: Any) -> str:
    if not isinstance(figure, dict):
        return "n/a" if figure is None else f"{figure:+.1%}"
    if not figure.get("of"):
        return "n/a"
    low, high = figure["ci95"]
    return f"{figure['percent']}% ({figure['count']}/{figure['of']}; {low}-{high}%)"


def summary(data: dict[str, Any]) -> list[str]:
    done = ", ".join(f"{arm} {n}/{data['runs_planned'][arm]}" for arm, n in data["runs_done"].items())
    lines = [
        f"Duets of {data['run_time_s']} s, {data['users_per_side']} users a side; injected on "
        f"{data['injected_endpoint']}: " + ", ".join(f"{arm} `{spec}`" for arm, spec in data["injected_ms"].items()),
        f"Runs stored (done/planned): {done}",
        "",
        "Judged by perfgate's default rules, and with min_delta 0 (the statistic alone: the default min_delta",
        "of 5 ms never calls a change of a few ms a regression, whatever its share of a p95).",
        "",
        "| | duet (paired, within the run) | duet, min_delta 0 | stored baseline (sequential runs) "
        "| stored baseline, min_delta 0 |",
        "|---|---|---|---|---|",
    ]
    methods = ["duet", "duet_min_delta_0", "stored_baseline", "stored_baseline_min_delta_0"]
    for name in dict.fromkeys(name for method in methods for name in data[method]):
        lines.append(f"| {name} | " + " | ".join(_cell(data[method].get(name)) for method in methods) + " |")
    interference = data.get("interference", {})
    lines += [
        "",
        "| arm | injected endpoint's change (median) | baseline side slower than in A/A duets (median endpoint) |",
        "|---|---|---|",
        *[
            f"| {arm} | {_cell(row['measured_change'])} | {_cell(row['baseline_slowed'])} |"
            for arm, row in interference.items()
        ],
    ]
    lines += [
        "",
        "| endpoint | SD of ln p95 ratio in an A/A duet | duets | between sequential A runs | pairs |",
        "|---|---|---|---|---|",
        *[
            f"| {key} | {_percent(row['sd_ln_ratio_duet_percent'])} | {row['duets']} | "
            f"{_percent(row['sd_ln_ratio_sequential_percent'])} | {row['sequential_pairs']} |"
            for key, row in data["noise"].items()
        ],
    ]
    return lines
