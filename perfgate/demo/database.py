"""The demo API's SQLite database: schema, deterministic seed data and the queries behind each route.

Each server thread opens its own connection (WAL mode), so report queries run in parallel with
writes and with each other; SQLite releases the GIL while it works.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DAY_S = 86_400.0
TEAMS = ("platform", "payments", "data", "mobile", "web", "security")
SERVICES_PER_TEAM = 4
SEEDED_PROJECT_IDS = (101, 102, 103, 104, *range(2001, 2021))
FIRST_BUILD_ID = 9001
BUILD_COUNT = 70_000  # ids 9001..79000 include the guide's 9001-9003 and 78110-78113
FIRST_DEPLOYMENT_ID = 40_001
DEPLOYMENT_COUNT = 30_000  # includes the guide's 55021
BRANCHES = ("main", "develop", "release/2026.11", "feature/faster-builds", "feature/sso", "hotfix/cve-2026-1234")
ENVIRONMENTS = ("development", "staging", "production")
BUILD_STATUSES = ("succeeded", "failed", "running", "queued", "canceled")
ARTIFACT_TYPES = ("docker-image", "test-report", "coverage", "sbom")

# The indexes the report queries depend on; `drop-index` removes exactly these.
REPORT_INDEXES = {
    "idx_deployments_service_time": "CREATE INDEX idx_deployments_service_time ON deployments(service_id, created_at)",
    "idx_deployments_build": "CREATE INDEX idx_deployments_build ON deployments(build_id)",
    "idx_builds_repo_branch": "CREATE INDEX idx_builds_repo_branch ON builds(repository_id, branch, created_at)",
}

SCHEMA = """
CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE services (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, team_id INTEGER NOT NULL REFERENCES teams);
CREATE TABLE repositories (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, service_id INTEGER NOT NULL);
CREATE TABLE projects (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, repository_id INTEGER NOT NULL, team_id INTEGER NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE builds (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, repository_id INTEGER NOT NULL, branch TEXT NOT NULL,
    commit_sha TEXT NOT NULL, status TEXT NOT NULL, pipeline_source TEXT NOT NULL, triggered_by TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1, retry_of INTEGER, reason TEXT, variables TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL, finished_at REAL
);
CREATE INDEX idx_builds_project_time ON builds(project_id, created_at);
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY, build_id INTEGER NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE INDEX idx_artifacts_build ON artifacts(build_id);
CREATE TABLE deployments (
    id INTEGER PRIMARY KEY, service_id INTEGER NOT NULL, build_id INTEGER NOT NULL, environment TEXT NOT NULL,
    status TEXT NOT NULL, created_at REAL NOT NULL, finished_at REAL
);
"""


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def create_and_seed(path: str, now: float | None = None) -> None:
    """Creates the schema and a deterministic data set (same rows for every run, times relative to now)."""
    now = time.time() if now is None else now
    rng = random.Random(20261125)
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SCHEMA)
    for sql in REPORT_INDEXES.values():
        db.execute(sql)
    db.executemany("INSERT INTO teams VALUES (?, ?)", enumerate(TEAMS, start=1))
    services = [
        (team_id * 10 + n, f"{team}-{kind}", team_id)
        for team_id, team in enumerate(TEAMS, start=1)
        for n, kind in enumerate(("api", "worker", "web", "gateway")[:SERVICES_PER_TEAM])
    ]
    db.executemany("INSERT INTO services VALUES (?, ?, ?)", services)
    repos = [(i, f"acme/{name}", service_id) for i, (service_id, name, _) in enumerate(services, start=1)]
    db.executemany("INSERT INTO repositories VALUES (?, ?, ?)", repos)
    projects = [
        (
            pid,
            repos[i][1].split("/")[1],
            repos[i][0],
            services[i][2],
            now - 400 * DAY_S,
            now - rng.random() * 30 * DAY_S,
        )
        for i, pid in enumerate(SEEDED_PROJECT_IDS)
    ]
    db.executemany("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?)", projects)

    builds, artifacts, successful = [], [], []
    for build_id in range(FIRST_BUILD_ID, FIRST_BUILD_ID + BUILD_COUNT):
        project = projects[rng.randrange(len(projects))]
        created = now - rng.random() * 180 * DAY_S
        status = rng.choices(BUILD_STATUSES, weights=(78, 15, 3, 2, 2))[0]
        finished = created + rng.uniform(60, 1800) if status in ("succeeded", "failed", "canceled") else None
        branch = rng.choices(BRANCHES, weights=(40, 20, 10, 15, 10, 5))[0]
        source = rng.choice(("push", "merge_request", "schedule", "api"))
        builds.append(
            (build_id, project[0], project[2], branch, _sha(rng), status, source, "ci-bot", created, finished)
        )
        if status == "succeeded":
            successful.append((build_id, project[2], created, finished))
            for kind in rng.sample(ARTIFACT_TYPES, 2):
                artifacts.append((build_id, kind, f"{kind}-{build_id}", rng.randrange(10_000, 500_000_000), _sha(rng)))
    db.executemany(
        "INSERT INTO builds (id, project_id, repository_id, branch, commit_sha, status, pipeline_source,"
        " triggered_by, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        builds,
    )
    db.executemany("INSERT INTO artifacts (build_id, type, name, size_bytes, sha256) VALUES (?, ?, ?, ?, ?)", artifacts)
    service_of_repo = {repo_id: service_id for repo_id, _, service_id in repos}
    deployments = []
    for deployment_id in range(FIRST_DEPLOYMENT_ID, FIRST_DEPLOYMENT_ID + DEPLOYMENT_COUNT):
        build_id, repo_id, _, finished = successful[rng.randrange(len(successful))]
        started = finished + rng.uniform(300, 3 * DAY_S)
        status = rng.choices(("succeeded", "failed", "rolled_back"), weights=(88, 8, 4))[0]
        environment = rng.choices(ENVIRONMENTS, weights=(30, 30, 40))[0]
        deployments.append(
            (deployment_id, service_of_repo[repo_id], build_id, environment, status, started, started + 240)
        )
    db.executemany("INSERT INTO deployments VALUES (?, ?, ?, ?, ?, ?, ?)", deployments)
    db.execute("ANALYZE")
    db.commit()
    db.close()


def drop_report_indexes(path: str) -> None:
    with sqlite3.connect(path) as db:
        for name in REPORT_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS {name}")
        db.execute("ANALYZE")


class Database:
    """Thread-safe access: one connection per thread, rows as dicts."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=10.0, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection().execute(sql, params)]

    def row(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        found = self._connection().execute(sql, params).fetchone()
        return dict(found) if found else None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # --- queries behind the routes ---------------------------------------------------------

    def projects(self, limit: int, offset: int, sort_column: str, descending: bool) -> list[dict[str, Any]]:
        order = "DESC" if descending else "ASC"
        return self.rows(
            f"SELECT id, name, team_id, created_at, updated_at FROM projects ORDER BY {sort_column} {order}, id"
            " LIMIT ? OFFSET ?",
            (limit, offset),
        )

    def count(self, table: str) -> int:
        return self._connection().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def project_exists(self, project_id: int) -> bool:
        return self.row("SELECT 1 AS x FROM projects WHERE id = ?", (project_id,)) is not None

    def project_builds(self, project_id: int, status: str | None, limit: int) -> list[dict[str, Any]]:
        where, params = "project_id = ?", [project_id]
        if status:
            where += " AND status = ?"
            params.append(status)
        return self.rows(
            f"SELECT id, project_id, branch, commit_sha, status, attempt, created_at, finished_at FROM builds"
            f" WHERE {where} ORDER BY created_at DESC LIMIT ?",
            (*params, limit),
        )

    def build(self, build_id: int) -> dict[str, Any] | None:
        return self.row("SELECT * FROM builds WHERE id = ?", (build_id,))

    def artifacts(self, build_id: int, kind: str | None) -> list[dict[str, Any]]:
        if kind:
            return self.rows("SELECT * FROM artifacts WHERE build_id = ? AND type = ?", (build_id, kind))
        return self.rows("SELECT * FROM artifacts WHERE build_id = ?", (build_id,))

    def create_build(self, fields: dict[str, Any]) -> dict[str, Any]:
        project = self.row("SELECT id, repository_id FROM projects WHERE id = ?", (fields["project_id"],))
        if project is None:
            raise LookupError(f"project {fields['project_id']} not found")
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO builds (project_id, repository_id, branch, commit_sha, status, pipeline_source,"
                " triggered_by, variables, created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                (
                    project["id"],
                    project["repository_id"],
                    fields["branch"],
                    fields["commit_sha"],
                    fields["pipeline_source"],
                    fields["triggered_by"],
                    json.dumps(fields["variables"]),
                    time.time(),
                ),
            )
            db.execute("UPDATE projects SET updated_at = ? WHERE id = ?", (time.time(), project["id"]))
        created = self.build(cursor.lastrowid or 0)
        assert created is not None
        return created

    def retry_build(self, build_id: int, reason: str, triggered_by: str) -> dict[str, Any] | None:
        original = self.build(build_id)
        if original is None:
            return None
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO builds (project_id, repository_id, branch, commit_sha, status, pipeline_source,"
                " triggered_by, attempt, retry_of, reason, variables, created_at)"
                " VALUES (?, ?, ?, ?, 'queued', 'retry', ?, ?, ?, ?, ?, ?)",
                (
                    original["project_id"],
                    original["repository_id"],
                    original["branch"],
                    original["commit_sha"],
                    triggered_by,
                    original["attempt"] + 1,
                    build_id,
                    reason,
                    original["variables"],
                    time.time(),
                ),
            )
        return self.build(cursor.lastrowid or 0)

    def deployments(self, environment: str | None, status: str | None, limit: int) -> list[dict[str, Any]]:
        clauses, params = [], []
        for column, value in (("environment", environment), ("status", status)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self.rows(f"SELECT * FROM deployments {where} ORDER BY id DESC LIMIT ?", (*params, limit))

    def deployment(self, deployment_id: int) -> dict[str, Any] | None:
        return self.row(
            "SELECT d.*, s.name AS service, b.commit_sha, b.branch FROM deployments d"
            " JOIN services s ON s.id = d.service_id JOIN builds b ON b.id = d.build_id WHERE d.id = ?",
            (deployment_id,),
        )

    def deployment_frequency(self, team: str, since: float) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT date(d.created_at, 'unixepoch') AS day, COUNT(*) AS deployments FROM deployments d"
            " WHERE d.service_id IN (SELECT s.id FROM services s JOIN teams t ON t.id = s.team_id WHERE t.name = ?)"
            " AND d.created_at >= ? AND d.environment = 'production' GROUP BY day ORDER BY day",
            (team, since),
        )

    def change_failure_rate(self, service: str, since: float) -> dict[str, Any]:
        found = self.row(
            "SELECT COUNT(*) AS deployments, COALESCE(SUM(d.status != 'succeeded'), 0) AS failed FROM deployments d"
            " WHERE d.service_id = (SELECT id FROM services WHERE name = ?) AND d.created_at >= ?"
            " AND d.environment = 'production'",
            (service, since),
        )
        assert found is not None
        return found

    def lead_times_s(self, repository: str, branch: str, since: float) -> list[float]:
        rows = self._connection().execute(
            "SELECT d.created_at - b.created_at FROM builds b JOIN deployments d ON d.build_id = b.id"
            " WHERE b.repository_id = (SELECT id FROM repositories WHERE name = ?) AND b.branch = ?"
            " AND b.created_at >= ? AND d.environment = 'production' ORDER BY 1",
            (repository, branch, since),
        )
        return [row[0] for row in rows]
