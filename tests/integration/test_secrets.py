"""No secret of the demo API reaches any artifact of a run: logs, Locust's CSV, result.json,
junit.xml, summary.md, report.html, the history, even from a locustfile that puts tokens and
passwords into request URLs."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from perfgate.demo.app import CLIENTS, SESSION_USERS, USERS
from tests.integration.test_gate import write_profile
from tests.processes import LOCUSTFILES, REPO, run_locust

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests

# the demo API's own passwords and client secret (read from the demo, not from perfgate.auth: that
# imports Locust, which would monkey-patch this pytest worker)
SECRETS = [password for password, _ in USERS.values()] + [secret for secret, _ in CLIENTS.values()]
SECRETS += list(SESSION_USERS.values())
TOKEN_PREFIX = "eyJzdWIi"  # base64 of '{"sub"': the start of every demo access token
PROFILE = """version: 1
load: {users: 6, spawn_rate: 6, run_time: 8s}
global: {error_rate: "< 100%"}
endpoints:
  "GET /api/v1/projects*": { p95: "< 1s" }
"""


def artifacts(folder: Path) -> dict[str, str]:
    texts = {str(path): path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file()}
    for database in folder.rglob("*.db"):
        with sqlite3.connect(database) as connection:
            rows = connection.execute("SELECT result FROM runs").fetchall()
            texts[f"{database} (runs)"] = " ".join(zlib.decompress(blob).decode() for (blob,) in rows)
            texts[f"{database} (endpoints)"] = repr(connection.execute("SELECT * FROM endpoints").fetchall())
    return texts


def test_no_demo_secret_reaches_any_artifact_or_log(demo_api, tmp_path):
    profile = write_profile(tmp_path, PROFILE)
    out = tmp_path / "out"
    finished = run_locust(
        REPO / "tests" / "integration" / "locustfiles" / "leaky.py",
        *("-H", demo_api.url, "--thresholds", str(profile), "--report-dir", str(out / "reports")),
        *("--csv", str(out / "locust"), "--history", str(out / "history.db")),
        cwd=tmp_path,
        timeout_s=60,
    )
    assert finished.returncode == 0, finished.output[-3000:]
    texts = artifacts(out) | {"stdout": finished.stdout, "stderr": finished.stderr}
    assert {"result.json", "junit.xml", "summary.md", "report.html", "locust_stats.csv"} <= {
        Path(name).name for name in texts
    }
    # the leaky requests were made and recorded, with their secrets masked
    assert "/api/v1/projects?limit=5&access_token=***" in texts[str(out / "reports" / "result.json")]
    assert "password=***" in texts[str(out / "locust_failures.csv")]
    leaks = [
        (f"secret #{i}", name)
        for name, text in texts.items()
        for i, s in enumerate([*SECRETS, TOKEN_PREFIX])
        if s in text
    ]
    assert leaks == []  # (which secret, where): the failure message itself must not print them


def test_a_host_with_credentials_is_reported_without_them(demo_api, tmp_path):
    profile = write_profile(tmp_path, PROFILE.replace("8s", "3s"))
    host = demo_api.url.replace("http://", "http://ci-bot:hunter2-secret@")
    finished = run_locust(
        LOCUSTFILES / "ci.py",
        *("-H", host, "--thresholds", str(profile), "--report-dir", str(tmp_path / "reports")),
        cwd=tmp_path,
        timeout_s=60,
    )
    assert finished.returncode in (0, 3, 5), finished.output[-3000:]
    assert [name for name, text in artifacts(tmp_path / "reports").items() if "hunter2-secret" in text] == []
    assert json.loads((tmp_path / "reports" / "result.json").read_text())["host"].startswith("http://***@127.0.0.1:")
