"""perfgate calibrate and perfgate plan on real runs of the CI job against the demo API: three
short runs calibrate a profile, two further unchanged runs pass it live; the refusals; the plan's
detectable change, from the run's figures and from the run itself (--from), against the one a real
comparison of the same run reports."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import sys
from pathlib import Path

import pytest

from perfgate.core.baseline import pooled
from perfgate.core.sampling import variance_inflation
from perfgate.store.results import read_baseline
from tests.processes import LOCUSTFILES, REPO, run_bounded, run_locust

pytestmark = [pytest.mark.integration, pytest.mark.last]
RUN_TIME = "15s"
# ln(1 + the real run's median detectable change) / ln(1 + plan's): 1.11-1.69 over six runs here
# (median 1.47), 2.60 once (most likely plan's log-normal has a lighter tail above p95 than the demo's
# response times); 1/2 and 4 lie 3.5 SDs of the measured log ratios either side of their mean
PLAN_RATIO = (0.5, 4.0)
# the same ratio for `plan --from` the run itself: 0.97-1.04 over six 60 s runs of the CI job here;
# 15 s runs in full test-suite runs spread wider, 0.76 once (plan pessimistic: its endpoints with few
# requests are not yet explained) and 1.36 once (optimistic); the bounds are symmetric in log space
# around 1, as wide as the lower one that 0.76 set
FROM_RATIO = (0.6, 1 / 0.6)


def ci_runs(folder: Path, names: list[str], *extra: str) -> list[Path]:
    """Runs of the CI job one after another (each with its own demo API), bounded; their result files.
    Side by side, they calibrate limits on runs that slow each other: three at once left a login p95
    at 850-930 ms against its 800 ms limit on CI machines, and two at once a limit that a further run
    breached."""
    found = []
    for name in names:
        reports = folder / name
        args = ("-t", RUN_TIME, "--report-dir", str(reports), *extra)
        finished = run_locust(LOCUSTFILES / "ci.py", *args, cwd=REPO, timeout_s=150)
        # the verdict's table comes first in the output, Locust's own tables after it
        assert finished.returncode == 0, finished.stdout[:3000]
        found.append(reports / "result.json")
    return found


def perfgate(*args: str, env: dict[str, str] | None = None):
    return run_bounded([sys.executable, "-m", "perfgate", *args], 120, REPO, env)


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> list[Path]:
    return ci_runs(tmp_path_factory.mktemp("calibration"), ["a", "b", "c"])


@pytest.mark.timeout(400)
def test_three_runs_calibrate_a_profile_that_two_further_unchanged_runs_pass(measured, tmp_path):
    output = tmp_path / "thresholds" / "calibrated.yaml"
    finished = perfgate("calibrate", *map(str, measured), "-o", str(output))
    assert finished.returncode == 0, finished.output
    text = output.read_text()
    assert "extends:" in text and "ci.yaml" in text
    assert "# Calibrated by `perfgate calibrate`" in text and "measured from 3 baseline runs" in text
    assert "GET /api/v1/projects" in finished.stdout and "an unchanged build breaches any of the" in finished.stdout
    validated = perfgate("validate", str(output))
    assert validated.returncode == 0, validated.output
    calibrated = [line for line in text.splitlines() if line.strip().startswith('p95: "<')]
    assert len(calibrated) >= 4  # the main endpoints, each with the figures behind its limit
    assert all("3 runs:" in line and "requests a run" in line for line in calibrated)

    further = ci_runs(tmp_path, ["d", "e"], "--thresholds", str(output))
    for path in further:
        result = json.loads(path.read_text())
        assert result["verdict"] == "pass", [c for c in result["checks"] if c["status"] != "pass"]
        judged = [c for c in result["checks"] if c["source"].startswith(str(output))]
        assert len(judged) >= len(calibrated)  # the calibrated limits were the ones applied


def test_calibration_refuses_two_runs_and_runs_of_another_profile(measured, tmp_path):
    output = tmp_path / "calibrated.yaml"
    two = perfgate("calibrate", *map(str, measured[:2]), "-o", str(output))
    assert two.returncode == 2 and "2 run(s): calibration needs at least 3 runs" in two.stderr
    other = tmp_path / "staging.json"
    data = json.loads(measured[2].read_text())
    data["profile"] = str(REPO / "thresholds" / "staging.yaml")  # the same run, labelled as another profile's
    other.write_text(json.dumps(data))
    mixed = perfgate("calibrate", str(measured[0]), str(measured[1]), str(other), "-o", str(output))
    assert mixed.returncode == 2, mixed.output
    assert f"{other}: {measured[0]} profile" in mixed.stderr and "staging.yaml" in mixed.stderr
    assert not output.exists()


def plan_row(planned, seconds: int) -> float:
    """The detectable change plan printed for the run length given with --run-time."""
    assert planned.returncode == 0, planned.output
    row = next(line for line in planned.stdout.splitlines() if "<- --run-time" in line)
    return float(row.split()[2].rstrip("%")) / 100


def real_detectable(path: Path, folder: Path) -> dict[str, float]:
    """Every endpoint's detectable p95 change when the run is compared with itself as the
    baseline, each endpoint under its own rule (the default rule sets aside what it cannot decide)."""
    shutil.rmtree(folder, ignore_errors=True)
    every = folder.parent / "every.yaml"
    base = REPO / "thresholds" / "ci.yaml"
    every.write_text(f'version: 1\nextends: {base}\nregression:\n  endpoints:\n    "*": {{ p95: "+20%" }}\n')
    finished = perfgate("compare", str(path), str(path), "--thresholds", str(every), "--report-dir", str(folder))
    assert finished.returncode in (0, 5), finished.output
    result = json.loads((folder / "result.json").read_text())
    return {
        c["endpoint"]: c["detectable"]
        for c in result["checks"]
        if c["kind"] == "regression" and c["endpoint"] in result["endpoints"] and c["detectable"]
    }


def test_plan_from_a_run_agrees_with_the_detectable_change_of_that_run(measured, tmp_path):
    path = measured[0]
    seconds = round(json.loads(path.read_text())["measurement"]["measured_s"])
    planned = perfgate("plan", "--from", str(path), "--run-time", f"{seconds}s")
    assert "each at its own rate" in planned.stdout, planned.output
    real = real_detectable(path, tmp_path / "self")
    ratio = math.log1p(statistics.median(real.values())) / math.log1p(plan_row(planned, seconds))
    assert FROM_RATIO[0] <= ratio <= FROM_RATIO[1], (ratio, planned.stdout, sorted(real.values()))


def test_plan_agrees_with_the_detectable_change_of_a_real_run_of_that_size(measured, tmp_path):
    path = measured[0]
    run = read_baseline(path).runs[0]
    result = json.loads(path.read_text())
    compared = {k: e for k, e in result["endpoints"].items() if e["requests"] >= 200}
    spread = statistics.median(e["p95"] / e["p50"] for e in compared.values())
    inflation = statistics.median(
        variance_inflation(run.windows(key)["histograms"], pooled([run], key).percentile(0.95)) for key in compared
    )
    rps = sum(e["rps"] for e in compared.values())
    seconds = round(result["measurement"]["measured_s"])
    planned = perfgate(
        "plan",
        *("--rps", f"{rps:.1f}", "--endpoints", str(len(compared)), "--spread", f"{spread:.2f}"),
        *("--inflation", f"{inflation:.2f}", "--run-time", f"{seconds}s"),
    )
    plan_detectable = plan_row(planned, seconds)
    real = [change for key, change in real_detectable(path, tmp_path / "self").items() if key in compared]
    assert len(real) >= len(compared) // 2, real
    ratio = math.log1p(statistics.median(real)) / math.log1p(plan_detectable)
    assert PLAN_RATIO[0] <= ratio <= PLAN_RATIO[1], (ratio, planned.stdout, sorted(real))


def test_calibration_from_the_history_reads_the_last_passing_runs_of_the_profile(measured, tmp_path):
    database = tmp_path / "history.db"
    recorded = perfgate(
        "history", "--db", str(database), "--record", *map(str, measured), env={"PERFGATE_BRANCH": "main"}
    )
    assert recorded.returncode == 0, recorded.output
    output = tmp_path / "from-history.yaml"
    finished = perfgate("calibrate", "--history", str(database), "--profile", "ci", "-o", str(output))
    assert finished.returncode == 0, finished.output
    assert "history:main run #1" in output.read_text() and "GET /api/v1/projects" in output.read_text()
    other = perfgate("calibrate", "--history", str(database), "--profile", "staging", "-o", str(output))
    assert other.returncode == 2 and "no passing run of profile 'staging' on branch 'main'" in other.stderr
