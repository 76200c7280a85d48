"""Damaged stores under a real run: a history database truncated, corrupted, written by a newer
perfgate or locked by another writer beyond the wait, and a baseline file cut short by a crash.
The run's verdict and exit code stand, one line names the file and what to do, and nothing in a
damaged history is rewritten."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import REPO, run_bounded

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests

SAMPLE = REPO / "tests" / "data" / "result-sample.json"
STEADY = Path(__file__).parent / "locustfiles" / "steady.py"
PROFILE = 'version: 1\nsettings: {min_requests: 10}\nglobal: {error_rate: "< 1%"}\n'
WAIT_S = "2"  # PERFGATE_HISTORY_WAIT_S: how long a run waits for another writer's lock
HOLD_THE_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(120)
"""


def history_of_three_runs(path: Path) -> Path:
    command = [sys.executable, "-m", "perfgate", "history", "--history", str(path), "--record", *[str(SAMPLE)] * 3]
    recorded = run_bounded([*command, "--branch", "main"], 60, REPO)
    assert recorded.returncode == 0, recorded.output
    return path


def damaged(folder: Path, how: str) -> Path:
    database = history_of_three_runs(folder / "history.db")
    data = bytearray(database.read_bytes())
    if how == "truncated":
        database.write_bytes(data[: len(data) // 2])
    elif how == "corrupt":
        page = int.from_bytes(data[16:18], "big")
        data[2 * page : 4 * page] = b"\xa5" * (2 * page)  # two pages of the runs' tables overwritten
        database.write_bytes(data)
    elif how == "newer":
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA user_version = 99")
        connection.close()  # the last connection: its write-ahead log is folded into the file
    return database


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_damaged_history_costs_the_run_nothing_and_is_never_rewritten(demo_api, tmp_path):
    cases = {how: tmp_path / how for how in ("truncated", "corrupt", "newer", "locked")}
    databases = {}
    for how, folder in cases.items():
        folder.mkdir()
        databases[how] = damaged(folder, how)
        (folder / "profile.yaml").write_text(PROFILE)
    before = {how: digest(path) for how, path in databases.items()}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(databases["locked"])], stdout=subprocess.PIPE, text=True
    )
    runs = {}
    try:
        assert holder.stdout.readline().strip() == "locked"
        for how, folder in cases.items():
            command = [sys.executable, "-m", "locust", "-f", str(STEADY), "--headless", "--only-summary"]
            command += ["-u", "2", "-r", "2", "-t", "6s", "-H", demo_api.url, "--thresholds", "profile.yaml"]
            command += ["--report-dir", "reports", "--history", str(databases[how])]
            runs[how] = subprocess.Popen(
                command,
                cwd=folder,
                env={**os.environ, "PERFGATE_HISTORY_WAIT_S": WAIT_S},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        finished = {how: (process, *process.communicate(timeout=120)) for how, process in runs.items()}
    finally:
        for process in [holder, *runs.values()]:
            process.kill()
            process.communicate()

    said = {
        "truncated": "is damaged",
        "corrupt": "is damaged",
        "newer": "is newer than this perfgate's 1; upgrade perfgate",
        "locked": f"another process held its write lock for over {WAIT_S} s",
    }
    for how, (process, _, stderr) in finished.items():
        assert process.returncode == 0, f"{how}: {stderr[-3000:]}"  # the verdict's code: the run passed
        lines = [line for line in stderr.splitlines() if "cannot record the run in the history" in line]
        assert len(lines) == 1, f"{how}: {stderr[-3000:]}"
        assert str(databases[how]) in lines[0] and said[how] in lines[0], lines[0]
        later = f"perfgate history --history {databases[how]} --record reports/result.json"
        assert later in lines[0], lines[0]
        assert "Traceback" not in stderr
        assert digest(databases[how]) == before[how], f"{how}: the damaged history was written to"
    for how in ("newer", "locked"):  # readable ones keep their three runs
        with sqlite3.connect(f"file:{databases[how]}?mode=ro", uri=True) as connection:
            assert connection.execute("SELECT count(*) FROM runs").fetchone()[0] == 3


def test_a_baseline_cut_short_by_a_crash_is_refused_with_its_name(demo_api, tmp_path):
    cut = tmp_path / "baseline.json"
    cut.write_text(SAMPLE.read_text()[:5000])
    (tmp_path / "profile.yaml").write_text(PROFILE)
    command = [sys.executable, "-m", "locust", "-f", str(STEADY), "--headless", "--only-summary", "-u", "1"]
    command += ["-t", "5s", "-H", demo_api.url, "--thresholds", "profile.yaml", "--baseline", str(cut)]
    refused = run_bounded(command, 60, tmp_path)
    assert refused.returncode == 2, refused.output[-3000:]
    assert str(cut) in refused.stderr and "Traceback" not in refused.stderr


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 24 KiB tmpfs: room for some reports, not for report.html."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def test_a_full_disk_leaves_no_partial_report_and_the_exit_code_stands(demo_api, tmp_path, small_disk):
    earlier = small_disk / "report.html"
    earlier.write_text("<html>an earlier run's report</html>")
    (tmp_path / "profile.yaml").write_text(PROFILE)
    command = [sys.executable, "-m", "locust", "-f", str(STEADY), "--headless", "--only-summary", "-u", "2"]
    command += ["-t", "5s", "-H", demo_api.url, "--thresholds", "profile.yaml", "--report-dir", str(small_disk)]
    finished = run_bounded(command, 90, tmp_path)
    assert finished.returncode == 0, finished.output[-3000:]  # the verdict's code
    assert "perfgate: PASS" in finished.stdout and "Traceback" not in finished.stderr
    failed = re.findall(r"cannot write (\w+) reports to", finished.stderr)
    assert "html" in failed, finished.stderr[-3000:]  # the disk did fill up
    assert earlier.read_text() == "<html>an earlier run's report</html>"  # not truncated by the failed write
    assert not [p.name for p in small_disk.iterdir() if p.name.startswith(".")]  # no temporary file left
    readers = {
        "result.json": json.loads,
        "junit.xml": ET.fromstring,
        "summary.md": lambda text: text.index("### "),
        "gl-load-performance.json": json.loads,
        "metrics.txt": lambda text: text.index("perfgate_exit_code 0"),
    }
    for name, read in readers.items():
        if (small_disk / name).exists():
            read((small_disk / name).read_text())  # whole, or not there at all
