"""How often unchanged CI-length runs breach a calibrated profile, against what it promised.

Three runs of the CI job calibrate two profiles (`perfgate calibrate --breach 1/1000` and
`--breach 1/20`); further unchanged runs, interleaved in time with nothing else changed, are judged
offline against each calibrated profile's own limits (the profile it extends is not counted). The
share of runs that breach any calibrated limit, with its Clopper-Pearson interval, is the measured
breach rate; 1/1000 cannot be confirmed by a dozen runs, only bounded, which is why the 1/20
profile is judged too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.harness import rate, run_ci_job
from perfgate.config.profile import load_profile
from perfgate.core.baseline import pooled
from perfgate.core.evaluate import evaluate
from perfgate.core.model import Snapshot, Status
from perfgate.store.results import read_baseline

PROMISES = {"1/1000": 0.001, "1/20": 0.05}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    users, run_time, calibrating, judged = (10, 5, 3, 1) if quick else (50, 30, 3, 12)
    folder.mkdir(parents=True, exist_ok=True)
    # in turn, so that each run meets the machine as it is; --quick only checks the harness: side by side
    with ThreadPoolExecutor(2 if quick else 1) as pool:
        runs = list(
            pool.map(lambda i: run_ci_job(folder / f"run-{i:02d}", None, users, run_time), range(calibrating + judged))
        )
    profiles = {}
    for name, _ in PROMISES.items():
        output = folder / f"calibrated-{name.replace('/', 'in')}.yaml"
        command = [sys.executable, "-m", "perfgate", "calibrate", *map(str, runs[:calibrating])]
        subprocess.run([*command, "-o", str(output), "--breach", name], check=True, capture_output=True, timeout=120)
        profiles[name] = output
    results: dict[str, Any] = {}
    for name, path in profiles.items():
        breaches = [_breached(path, run) for run in runs[calibrating:]]
        results[name] = {
            "promised_percent": PROMISES[name] * 100,
            "limits": _limits(path),
            "breaching_runs": rate(sum(bool(b) for b in breaches), len(breaches)),
            "breached": sorted({item for b in breaches for item in b}),
        }
    return {"users": users, "run_time_s": run_time, "calibration_runs": calibrating, "profiles": results}


def _limits(path: Path) -> int:
    return sum(1 for rule in load_profile(path).rules if rule.location.file == str(path))


def _breached(path: Path, result: Path) -> list[str]:
    """The calibrated limits (not the extended profile's) that this run breaks."""
    run = read_baseline(result).runs[0]
    endpoints = {key: pooled([run], key) for key in run.endpoints}
    total = pooled([run], "total")
    for stats in endpoints.values():
        total = total.plus(stats)
    checks = evaluate(load_profile(path), Snapshot(endpoints, total, run.measured_s))
    return [f"{c.endpoint} {c.metric}" for c in checks if c.status == Status.FAIL and c.source.startswith(str(path))]


def summary(data: dict[str, Any]) -> list[str]:
    lines = [
        f"{data['calibration_runs']} runs of the CI job ({data['users']} users, {data['run_time_s']} s) calibrate; "
        "each further unchanged run is judged against the calibrated limits alone",
        "",
        "| promised breach rate | limits | runs breaching any (95% CI) | breached |",
        "|---|---|---|---|",
    ]
    for name, figures in data["profiles"].items():
        found = figures["breaching_runs"]
        interval = f"{found['ci95'][0]}-{found['ci95'][1]}%"
        shown = ", ".join(figures["breached"]) or "-"
        lines.append(
            f"| {name} ({figures['promised_percent']:g}%) | {figures['limits']} | "
            f"{found['count']}/{found['of']} ({found['percent']}%; {interval}) | {shown} |"
        )
    return lines


if __name__ == "__main__":
    print(json.dumps(measure("--quick" in sys.argv, Path(sys.argv[-1])), indent=2))
