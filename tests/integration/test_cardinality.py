"""A locustfile that makes thousands of endpoint names: a warning that says how to group them,
and reports bounded to the busiest endpoints; the verdict is still the gate's."""

from __future__ import annotations

import json

import pytest

from perfgate.core.cardinality import MAX_ENDPOINTS, TIMELINE_ENDPOINTS
from tests.integration.test_gate import write_profile
from tests.processes import REPO, run_locust

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests

PROFILE = """version: 1
load: {users: 10, spawn_rate: 10, run_time: 10s}
global: {error_rate: "< 1%"}
"""


def test_thousands_of_names_warn_how_to_group_them_and_reports_stay_bounded(demo_api, tmp_path):
    profile = write_profile(tmp_path, PROFILE)
    finished = run_locust(
        REPO / "tests" / "integration" / "locustfiles" / "ungrouped.py",
        *("-H", demo_api.url, "--thresholds", str(profile), "--report-dir", str(tmp_path / "reports")),
        cwd=tmp_path,
        timeout_s=90,
    )
    assert finished.returncode == 0, finished.output[-3000:]
    path = tmp_path / "reports" / "result.json"
    result = json.loads(path.read_text())
    (warning,) = [w for w in result["warnings"] if "distinct request names" in w]
    assert int(warning.split()[0]) > MAX_ENDPOINTS * 2, warning  # enough names to test anything
    assert "GET /api/v1/builds/:id/status" in warning and "name=" in warning
    assert f"warning: {warning}" in finished.stdout
    assert len(result["endpoints"]) == MAX_ENDPOINTS
    assert max(len(row["endpoints"]) for row in result["timeline"]) <= TIMELINE_ENDPOINTS
    assert path.stat().st_size < 4_000_000  # ~2,500 endpoints unbounded would be several times this
