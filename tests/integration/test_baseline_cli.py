"""`perfgate compare` and `perfgate baseline` on stored files: exit codes and messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from perfgate.core.model import RESULT_SCHEMA
from tests.processes import REPO, Finished, run_bounded
from tests.unit.synthetic import run

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests


def perfgate(*args: str) -> Finished:
    return run_bounded([sys.executable, "-m", "perfgate", *args], 60, REPO)


def stored(tmp_path: Path, name: str, seed: int, verdict: str = "pass", **changes) -> Path:
    data = run(seed, **changes)
    document = {
        "schema": RESULT_SCHEMA,
        "verdict": verdict,
        "exit_code": {"pass": 0, "fail": 3}.get(verdict, 5),
        "started_at": f"run {seed}",
        "duration_s": 60.0,
        "host": "http://127.0.0.1:1",
        "profile": "",
        "versions": {},
        "checks": [],
        "endpoints": data.endpoints,
        "measurement": {
            "warmup": "spawn",
            "excluded_s": 2.0,
            "excluded_requests": 100,
            "measured_s": 60.0,
            "measured_requests": sum(e["requests"] for e in data.endpoints.values()),
        },
    }
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_compare_rejudges_offline_with_the_profiles_regression_block(tmp_path):
    baseline = stored(tmp_path, "base.json", 1)
    slower = stored(tmp_path, "pr.json", 2, count=4000, scale={"GET /api/v1/e3": 1.5})
    profile = tmp_path / "p.yaml"
    profile.write_text('version: 1\nregression:\n  default: { p95: "+20%" }\n')
    report = ("--report-dir", str(tmp_path))
    finished = perfgate("compare", str(baseline), str(slower), "--thresholds", str(profile), *report)
    assert finished.returncode == 4, finished.output
    assert "REGRESSION  GET /api/v1/e3" in finished.stdout
    written = json.loads((tmp_path / "result.json").read_text())
    assert written["verdict"] == "regression" and written["comparison"]["baseline"] == str(baseline)
    tolerant = tmp_path / "tolerant.yaml"
    tolerant.write_text('version: 1\nregression:\n  default: { p95: "+80%" }\n')
    assert perfgate("compare", str(baseline), str(slower), "--thresholds", str(tolerant)).returncode == 0


def test_compare_and_merge_refuse_unusable_input_with_exit_2(tmp_path):
    good = stored(tmp_path, "good.json", 1)
    missing = perfgate("compare", str(tmp_path / "none.json"), str(good))
    assert missing.returncode == 2 and "none.json: baseline file not found" in missing.stderr
    failed = stored(tmp_path, "failed.json", 2, verdict="fail")
    merged = perfgate("baseline", "merge", str(good), str(failed), "-o", str(tmp_path / "m.json"))
    assert merged.returncode == 2 and "failed.json (verdict fail)" in merged.stderr
    assert not (tmp_path / "m.json").exists()


def test_promote_copies_only_a_passing_run(tmp_path):
    target = tmp_path / "baselines" / "main.json"
    refused = perfgate("baseline", "promote", str(stored(tmp_path, "failed.json", 2, verdict="fail")), str(target))
    assert refused.returncode == 1 and "verdict is 'fail'" in refused.stderr and not target.exists()
    passing = stored(tmp_path, "ok.json", 3)
    promoted = perfgate("baseline", "promote", str(passing), str(target))
    assert promoted.returncode == 0, promoted.output
    assert json.loads(target.read_text())["started_at"] == "run 3"
