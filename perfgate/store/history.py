"""Run history: every recorded run in one SQLite database (default .perfgate/history.db).

Concurrent CI jobs may record into one file at once: the database is in WAL mode, every write is
one `BEGIN IMMEDIATE` transaction (a writer waits for the lock instead of failing half-way; readers
are never blocked), and `busy_timeout` lets a writer wait up to a minute (PERFGATE_HISTORY_WAIT_S).
Before a write, SQLite's quick_check: a damaged file (truncated by a full disk, overwritten) is
refused as it is, never written into, so that no earlier run in it is lost. A run is stored whole (its
result.json, compressed) plus one row per endpoint with the numbers a trend needs, so that a trend
reads no JSON and a baseline from history is exactly what a merged baseline would be.
WAL needs a local filesystem (SQLite's shared memory does not work over NFS): keep the database on
the CI runner's disk or a cache volume, not a network share.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfgate.core.baseline import Baseline, BaselineError, run_data
from perfgate.core.metrics import trended
from perfgate.core.model import ALL_ENDPOINTS, RESULT_SCHEMA, profile_name
from perfgate.core.naming import canonical_key
from perfgate.core.units import glob_regex
from perfgate.store.results import read_baseline

DEFAULT_HISTORY = ".perfgate/history.db"
HISTORY_PREFIX = "history:"
SCHEMA_VERSION = 1
BASELINE_RUNS = 5
WAIT_VARIABLE = "PERFGATE_HISTORY_WAIT_S"
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another one's lock, unless WAIT_VARIABLE says
TREND_METRICS = trended()  # the metric table's trended metrics: the endpoint columns below
BRANCH_VARIABLES = (
    "PERFGATE_BRANCH",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "BRANCH_NAME",
    "GIT_BRANCH",
    "CIRCLE_BRANCH",
)
COMMIT_VARIABLES = ("PERFGATE_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT", "CIRCLE_SHA1")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    branch TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    profile TEXT NOT NULL,
    host TEXT NOT NULL,
    verdict TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    users INTEGER,
    requests INTEGER NOT NULL,
    rps REAL NOT NULL,
    error_rate REAL NOT NULL,
    capacity_users INTEGER,
    capacity_rps REAL,
    result BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_branch ON runs (profile, branch, id);
CREATE TABLE IF NOT EXISTS endpoints (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    endpoint TEXT NOT NULL,
    requests INTEGER NOT NULL,
    {columns},
    PRIMARY KEY (run_id, endpoint)
);
""".format(columns=",\n    ".join(f"{name} REAL" for name in TREND_METRICS))


class HistoryError(Exception):
    """A history database that cannot be used; the message names it and says what to do."""


@dataclass(frozen=True)
class RunRecord:
    id: int
    recorded_at: str
    started_at: str
    branch: str
    commit: str
    profile: str
    host: str
    verdict: str
    exit_code: int
    users: int | None
    requests: int
    rps: float
    error_rate: float
    capacity_users: int | None
    capacity_rps: float | None


_RUN_COLUMNS = (
    "id, recorded_at, started_at, branch, commit_sha, profile, host, verdict, exit_code, users, requests, rps, "
    "error_rate, capacity_users, capacity_rps"
)


def provenance(environ: Mapping[str, str], cwd: str | Path = ".") -> tuple[str, str]:
    """(branch, commit) of this run: the CI system's variables first, then git, else "unknown".
    A pull request's branch is its head branch (GITHUB_REF_NAME would be "123/merge")."""
    branch = next((environ[name] for name in BRANCH_VARIABLES if environ.get(name)), None)
    commit = next((environ[name] for name in COMMIT_VARIABLES if environ.get(name)), None)
    branch = branch or _git(cwd, "rev-parse", "--abbrev-ref", "HEAD") or "unknown"
    commit = commit or _git(cwd, "rev-parse", "HEAD") or "unknown"
    return branch.removeprefix("origin/"), commit


def _git(cwd: str | Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


@contextmanager
def opened(path: str | Path, create: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to the history at `path` (created with `create`), closed afterwards."""
    file = Path(path)
    if not create and not file.is_file():
        raise HistoryError(f"{path}: no history database here; record runs into it with --history {path}")
    try:
        if create:
            file.parent.mkdir(parents=True, exist_ok=True)
        wait_s = busy_timeout_s()
        connection = sqlite3.connect(file, timeout=wait_s, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise HistoryError(f"{path}: cannot open the history database: {error}") from None
    try:
        _prepare(connection, path, create, wait_s)
        yield connection
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise HistoryError(f"{path}: {error}") from None
        raise HistoryError(
            f"{path}: another process held its write lock for over {wait_s:g} s (a run recording into it, or "
            f"one that hangs); {WAIT_VARIABLE} sets how long to wait"
        ) from None
    except sqlite3.DatabaseError as error:
        raise HistoryError(f"{path}: {damaged(error)}") from None
    finally:
        connection.close()


def busy_timeout_s(environ: Mapping[str, str] = os.environ) -> float:
    text = environ.get(WAIT_VARIABLE, "")
    try:
        return float(text) if text else BUSY_TIMEOUT_S
    except ValueError:
        raise HistoryError(f"{WAIT_VARIABLE}: expected seconds (a number), found {text!r}") from None


def damaged(problem: object) -> str:
    return (
        f"is damaged or not a perfgate history database ({problem}); nothing was written to it: restore it "
        "from a backup, or move it away and a new one is started"
    )


def _prepare(connection: sqlite3.Connection, path: str | Path, create: bool, wait_s: float) -> None:
    connection.execute(f"PRAGMA busy_timeout = {int(wait_s * 1000)}")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: history schema version {version} is newer than this perfgate's {SCHEMA_VERSION}; upgrade perfgate"
        )
    if version == SCHEMA_VERSION or not create:
        if version != SCHEMA_VERSION:
            raise HistoryError(f"{path}: not a perfgate history database (schema version {version})")
        if create:  # about to write: never into a damaged file
            problems = [row[0] for row in connection.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                raise HistoryError(f"{path}: {damaged('; '.join(problems))}")
        return
    # the journal mode is a property of the file; switching needs a moment without other writers
    for attempt in range(50):
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError:
            time.sleep(0.05 * (attempt + 1))
    with _transaction(connection):
        for statement in filter(str.strip, _SCHEMA.split(";")):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def record(path: str | Path, result: dict[str, Any], branch: str, commit: str) -> int:
    """Stores a result.json (as a dict) in one transaction; returns its run id."""
    if result.get("schema") != RESULT_SCHEMA:
        raise HistoryError(
            f"expected the result.json of a run ({RESULT_SCHEMA}), found schema {result.get('schema')!r}"
        )
    total = result.get("total") or {}
    capacity = result.get("capacity") or {}
    load = result.get("load") or {}
    row = (
        datetime.now(UTC).isoformat(),
        result.get("started_at", ""),
        branch,
        commit,
        profile_name(result.get("profile", "")),
        result.get("host", ""),
        result.get("verdict", ""),
        int(result.get("exit_code", 0)),
        load.get("users"),
        int(total.get("requests", 0)),
        float(total.get("rps", 0.0)),
        float(total.get("error_rate", 0.0)),
        capacity.get("users") if capacity else None,
        capacity.get("rps") if capacity else None,
        zlib.compress(json.dumps(result, separators=(",", ":")).encode()),
    )
    with opened(path, create=True) as connection, _transaction(connection):
        run_id = connection.execute(
            f"INSERT INTO runs ({_RUN_COLUMNS.removeprefix('id, ')}, result) VALUES ({', '.join('?' * len(row))})", row
        ).lastrowid
        columns = ("run_id", "endpoint", "requests", *TREND_METRICS)
        connection.executemany(
            f"INSERT INTO endpoints ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [
                (run_id, key, e["requests"], *(e.get(name) for name in TREND_METRICS))
                for key, e in (result.get("endpoints") or {}).items()
            ],
        )
    assert run_id is not None
    return run_id


def runs(
    path: str | Path, profile: str | None = None, branch: str | None = None, last: int | None = None
) -> list[RunRecord]:
    """Recorded runs, oldest first (the last `last` of them)."""
    where, params = _filters(profile, branch)
    limit = f" LIMIT {int(last)}" if last else ""
    with opened(path) as connection:
        rows = connection.execute(f"SELECT {_RUN_COLUMNS} FROM runs{where} ORDER BY id DESC{limit}", params).fetchall()
    return [RunRecord(*row) for row in reversed(rows)]


def _filters(profile: str | None, branch: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, value in (("profile", profile), ("branch", branch)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def endpoint_series(
    path: str | Path, run_ids: list[int], endpoint_glob: str = "*"
) -> dict[str, dict[int, dict[str, float | None]]]:
    """endpoint -> run id -> {requests, p50, p95, p99, error_rate, rps} for the given runs."""
    pattern = glob_regex(endpoint_glob)
    series: dict[str, dict[int, dict[str, float | None]]] = {}
    with opened(path) as connection:
        marks = ", ".join("?" * len(run_ids))
        rows = connection.execute(
            f"SELECT run_id, endpoint, requests, {', '.join(TREND_METRICS)} FROM endpoints WHERE run_id IN ({marks})",
            run_ids,
        ).fetchall()
    for run_id, stored, requests, *values in rows:
        endpoint = canonical_key(stored)  # recorded before keys wrote the method once: the same series
        if pattern.match(endpoint) or pattern.match(endpoint.partition(" ")[2]):
            series.setdefault(endpoint, {}).setdefault(
                run_id, {"requests": requests, **dict(zip(TREND_METRICS, values, strict=True))}
            )
    return dict(sorted(series.items()))


def baseline(path: str | Path, branch: str, profile: str, count: int = BASELINE_RUNS) -> Baseline:
    """The last `count` passing runs of `profile` on `branch`, as a merged baseline would hold them
    (pooled histograms; with 3 or more, the comparison measures the noise between them)."""
    spec = f"{HISTORY_PREFIX}{branch}"
    try:
        with opened(path) as connection:
            rows = connection.execute(
                "SELECT id, result FROM runs WHERE profile = ? AND branch = ? AND verdict = 'pass' "
                "ORDER BY id DESC LIMIT ?",
                (profile, branch, count),
            ).fetchall()
    except HistoryError as error:
        raise BaselineError(f"{spec}: {error}") from None
    if not rows:
        raise BaselineError(
            f"{spec}: {path} holds no passing run of profile {profile!r} on branch {branch!r}; "
            f"record runs on {branch} with --history {path}"
        )
    loaded = [(run_id, json.loads(zlib.decompress(blob))) for run_id, blob in reversed(rows)]
    return Baseline(spec, [run_data(data, f"{spec} run #{run_id}") for run_id, data in loaded])


def load_baseline(spec: str, history_path: str | Path, profile: str) -> Baseline:
    """--baseline: a file, or history:BRANCH (the last passing runs of this profile on BRANCH)."""
    if spec.startswith(HISTORY_PREFIX):
        branch = spec.removeprefix(HISTORY_PREFIX) or "main"
        return baseline(history_path, branch, profile_name(profile))
    return read_baseline(spec)


def default_history(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("PERFGATE_HISTORY") or DEFAULT_HISTORY


def branches_and_profiles(path: str | Path) -> list[tuple[str, str, int]]:
    """(profile, branch, runs) of everything recorded."""
    with opened(path) as connection:
        return connection.execute(
            "SELECT profile, branch, COUNT(*) FROM runs GROUP BY profile, branch ORDER BY profile, branch"
        ).fetchall()


def trend_data(
    path: str | Path, profile: str, branch: str, endpoint_glob: str = "*", last: int = 30
) -> tuple[list[RunRecord], dict[str, dict[str, list[float | None]]]]:
    """The last `last` runs of a profile on a branch (oldest first) and, per endpoint (plus
    "all endpoints" for the run totals), each metric's value in each run (None where absent)."""
    chosen = runs(path, profile, branch, last)
    per_endpoint = endpoint_series(path, [r.id for r in chosen], endpoint_glob)
    series: dict[str, dict[str, list[float | None]]] = {
        endpoint: {metric: [by_run.get(r.id, {}).get(metric) for r in chosen] for metric in TREND_METRICS}
        for endpoint, by_run in per_endpoint.items()
    }
    if endpoint_glob == "*":
        series[ALL_ENDPOINTS] = {"rps": [r.rps for r in chosen], "error_rate": [r.error_rate for r in chosen]}
        if any(r.capacity_users is not None for r in chosen):
            series[ALL_ENDPOINTS] |= {
                "capacity_users": [r.capacity_users for r in chosen],
                "capacity_rps": [r.capacity_rps for r in chosen],
            }
    return chosen, series
