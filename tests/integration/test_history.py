"""Run history in a real SQLite file: concurrent writers, baselines from history, trends and drift
through the `perfgate history` command."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfgate.core.baseline import BaselineError
from perfgate.store.history import baseline, record, runs
from tests.processes import REPO, run_bounded
from tests.unit.synthetic import ENDPOINTS, result_document, run

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests

WRITERS, RUNS_EACH = 8, 10
DRIFTING = "GET /api/v1/e2"


def perfgate(*args: str, cwd: Path, env: dict[str, str] | None = None):
    return run_bounded([sys.executable, "-m", "perfgate", *args], 60, cwd, env)


def write_result(path: Path, seed: int, verdict: str = "pass", scale: dict[str, float] | None = None) -> Path:
    path.write_text(json.dumps(result_document(run(seed, count=400, scale=scale), verdict)))
    return path


def test_eight_processes_recording_at_once_into_a_new_database_lose_no_run(tmp_path):
    result = write_result(tmp_path / "result.json", seed=1)
    database = tmp_path / "ci" / "history.db"  # neither the folder nor the file exists yet
    start_at = time.time() + 3  # every writer starts at the same instant, creating the database too
    writer = (
        "import sys, time; from perfgate.cli import main; time.sleep(max(0, float(sys.argv[1]) - time.time())); "
        "sys.exit(main(['history', '--db', sys.argv[2], '--branch', 'main', '--record'] + sys.argv[3:]))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", writer, str(start_at), str(database), *[str(result)] * RUNS_EACH],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WRITERS)
    ]
    try:
        outcomes = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert [p.returncode for p in processes] == [0] * WRITERS, [err for _, err in outcomes]
    recorded = runs(database)
    assert len(recorded) == WRITERS * RUNS_EACH and len({r.id for r in recorded}) == WRITERS * RUNS_EACH
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = connection.execute("SELECT COUNT(*) FROM endpoints").fetchone()[0]
    assert rows == WRITERS * RUNS_EACH * len(ENDPOINTS)


def test_a_baseline_from_history_is_the_last_passing_runs_of_the_profile_on_the_branch(tmp_path):
    database = tmp_path / "history.db"
    for seed, verdict, branch in [(1, "pass", "main"), (2, "fail", "main"), (3, "pass", "feature")] + [
        (seed, "pass", "main") for seed in range(4, 11)
    ]:
        record(database, result_document(run(seed, count=50), verdict), branch, f"c{seed}")
    chosen = baseline(database, "main", "nightly", count=5)
    assert chosen.path == "history:main"
    assert [r.source for r in chosen.runs] == [f"history:main run #{i}" for i in range(6, 11)]
    with pytest.raises(BaselineError, match="holds no passing run of profile 'ci' on branch 'main'"):
        baseline(database, "main", "ci")
    with pytest.raises(BaselineError, match="no history database here"):
        baseline(tmp_path / "missing.db", "main", "nightly")


def test_a_slow_drift_is_flagged_in_the_trend_and_noise_alone_is_not(tmp_path):
    drifting, steady = tmp_path / "drifting.db", tmp_path / "steady.db"
    for night in range(20):
        path = write_result(tmp_path / f"night{night}.json", seed=100 + night, scale={DRIFTING: 1.04**night})
        finished = perfgate("history", "--db", str(drifting), "--branch", "main", "--record", str(path), cwd=tmp_path)
        assert finished.returncode == 0, finished.output
        write_result(path, seed=100 + night)
        perfgate("history", "--db", str(steady), "--branch", "main", "--record", str(path), cwd=tmp_path)
    flagged = perfgate("history", "--history", str(drifting), "--html", str(tmp_path / "trend.html"), cwd=tmp_path)
    assert flagged.returncode == 4, flagged.output
    drift_rows = [line for line in flagged.stdout.splitlines() if line.startswith("DRIFT")]
    assert len(drift_rows) == 1 and f"{DRIFTING}  p95" in drift_rows[0], flagged.stdout
    assert "perfgate history: DRIFT in 1 series" in flagged.stdout
    page = (tmp_path / "trend.html").read_text()
    assert page.count("<svg") >= len(ENDPOINTS) and f"{DRIFTING}: ms per run" in page

    quiet = perfgate("history", "--history", str(steady), cwd=tmp_path)
    assert quiet.returncode == 0, quiet.output
    assert "perfgate history: no drift" in quiet.stdout and "DRIFT" not in quiet.stdout
    assert len([line for line in quiet.stdout.splitlines() if line.startswith("ok ")]) >= len(ENDPOINTS)


def test_history_errors_name_the_file_and_exit_2(tmp_path):
    missing = perfgate("history", "--db", str(tmp_path / "none.db"), cwd=tmp_path)
    assert missing.returncode == 2 and "none.db: no history database here" in missing.stderr
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database at all" * 100)
    broken = perfgate("history", "--db", str(corrupt), cwd=tmp_path)
    assert broken.returncode == 2 and "corrupt.db" in broken.stderr and "Traceback" not in broken.stderr


def test_compare_takes_its_baseline_from_the_history_of_main(tmp_path):
    database = tmp_path / "history.db"
    for seed in range(1, 6):
        record(database, result_document(run(seed, count=1500)), "main", f"c{seed}")
    record(database, result_document(run(6, count=1500, scale={DRIFTING: 3.0})), "feature", "c6")  # not main
    current = write_result(tmp_path / "current.json", seed=9, scale={DRIFTING: 1.8})
    env = {"PERFGATE_HISTORY": str(database)}
    compared = perfgate("compare", "history:main", str(current), cwd=REPO, env=env)
    assert compared.returncode == 4, compared.output
    assert re.search(rf"^REGRESSION +{DRIFTING} +p95 ", compared.stdout, re.MULTILINE), compared.stdout
    assert "baseline history:main (5 runs)" in compared.stdout
    unknown = perfgate("compare", "history:release", str(current), cwd=REPO, env=env)
    assert unknown.returncode == 2 and "no passing run of profile 'nightly' on branch 'release'" in unknown.stderr
