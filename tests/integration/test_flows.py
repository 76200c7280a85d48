"""The four user flows, run headless with real Locust against the real demo API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfgate.core.model import EndpointStats
from tests.processes import LOCUSTFILES, REPO, run_locust

FLOWS = {
    "devops_user": {
        "POST /api/v1/auth/login",
        "GET /api/v1/projects",
        "GET /api/v1/projects/:id/builds",
        "POST /api/v1/builds/:id/retry",
    },
    "deployment_user": {"POST /api/v1/auth/login", "GET /api/v1/deployments", "GET /api/v1/deployments/:id"},
    "build_pipeline_user": {
        "POST /api/v1/auth/token",
        "POST /api/v1/builds",
        "GET /api/v1/builds/:id/status",
        "GET /api/v1/builds/:id/artifacts",
    },
    "reporting_user": {
        "POST /api/v1/session/login",
        "GET /api/v1/reports/deployment-frequency",
        "GET /api/v1/reports/change-failure-rate",
        "GET /api/v1/reports/lead-time",
    },
}


def run_flow(
    flow: str, host: str, tmp_path: Path, *, users: int = 8, seconds: int = 8, env: dict | None = None, locustfile=None
) -> dict[str, EndpointStats]:
    """Runs one flow; returns Locust's final per-endpoint stats keyed "METHOD name"."""
    out = tmp_path / f"{flow}-stats"
    finished = run_locust(
        locustfile or LOCUSTFILES / f"{flow}.py",
        *("-u", str(users), "-r", str(users), "-t", f"{seconds}s", "-H", host, "--json-file", str(out)),
        cwd=REPO,
        env={"PYTHONPATH": str(LOCUSTFILES), **(env or {})},
    )
    assert "Traceback" not in finished.output, finished.output[-3000:]
    entries = json.loads((tmp_path / f"{flow}-stats.json").read_text())
    return {
        f"{e['method']} {e['name']}": EndpointStats(
            e["method"],
            e["name"],
            e["num_requests"],
            e["num_failures"],
            {int(float(bucket)): count for bucket, count in e["response_times"].items()},
            e["total_response_time"],
            e["min_response_time"],
            e["max_response_time"],
        )
        for e in entries
    }


@pytest.mark.light
@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_each_flow_hits_every_endpoint_without_failures(flow, demo_api, tmp_path):
    stats = run_flow(flow, demo_api.url, tmp_path)
    assert FLOWS[flow] <= set(stats), f"not hit: {FLOWS[flow] - set(stats)}"
    failures = {key: s.failures for key, s in stats.items() if s.failures}
    assert not failures


def test_injected_latency_raises_projects_latency_by_the_injected_amount(demo_api, start_demo, tmp_path):
    plain = run_flow("devops_user", demo_api.url, tmp_path / "plain")["GET /api/v1/projects"]
    slowed_demo = start_demo("latency:GET /api/v1/projects:200")
    slowed = run_flow("devops_user", slowed_demo.url, tmp_path / "slow")
    projects = slowed["GET /api/v1/projects"]
    assert projects.min_response_time >= 200  # every request was slowed
    # mean(200 ms + t) = 200 ms + mean(t) for the same service times t; two separate ~100-request runs
    # on a shared 2-core machine differ by tens of ms, so the shift is bounded by the plain run's
    # extremes: at least 200 ms above its fastest request, at most 200 ms (plus scheduling slack)
    # above its p99. The mean, not a percentile: Locust's own table (read here) rounds 203 ms to 200
    assert projects.avg >= plain.min_response_time + 200
    assert projects.avg <= plain.percentile(0.99) + 200 + 50
    # only the matching route is slowed: the project-builds route stays well below the injection
    assert slowed["GET /api/v1/projects/:id/builds"].percentile(0.5) < 200


@pytest.mark.light
def test_injected_errors_fail_about_half_of_the_build_triggers(start_demo, tmp_path):
    demo = start_demo("errors:POST /api/v1/builds:50")
    stats = run_flow("build_pipeline_user", demo.url, tmp_path, users=15, seconds=12)
    builds = stats["POST /api/v1/builds"]
    assert builds.requests >= 40
    assert 0.3 <= builds.error_rate <= 0.7
    assert stats["GET /api/v1/builds/:id/status"].failures == 0


def test_dropped_index_makes_the_reports_slower(demo_api, start_demo, tmp_path):
    indexed = run_flow("reporting_user", demo_api.url, tmp_path / "indexed", users=4)
    dropped = run_flow("reporting_user", start_demo("drop-index").url, tmp_path / "dropped", users=4)
    lead_time = "GET /api/v1/reports/lead-time"
    assert dropped[lead_time].percentile(0.5) >= indexed[lead_time].percentile(0.5) + 5
    reports = [key for key in FLOWS["reporting_user"] if "/reports/" in key]
    assert sum(dropped[k].avg for k in reports) > 1.3 * sum(indexed[k].avg for k in reports)


@pytest.mark.light
@pytest.mark.parametrize("rotate", [False, True], ids=["refresh-token-kept", "refresh-token-rotated"])
def test_tokens_are_refreshed_before_they_expire(start_demo, tmp_path, rotate):
    demo = start_demo(token_ttl_s=2, rotate_refresh_tokens=rotate)
    stats = run_flow("deployment_user", demo.url, tmp_path, users=3, seconds=8)
    assert stats["POST /api/v1/auth/refresh"].requests >= 3 * 2
    assert sum(s.failures for s in stats.values()) == 0


@pytest.mark.light
def test_a_401_is_refreshed_and_retried_and_counted_once(start_demo, tmp_path):
    demo = start_demo(token_ttl_s=1)
    count_file = tmp_path / "tasks"
    stats = run_flow(
        "expiring_token",
        demo.url,
        tmp_path,
        users=2,
        seconds=8,
        env={"TASK_COUNT_FILE": str(count_file)},
        locustfile=Path(__file__).parent / "locustfiles" / "expiring_token.py",
    )
    details = stats["GET /api/v1/deployments/:id"]
    assert stats["POST /api/v1/auth/refresh"].requests >= 4
    assert details.failures == 0
    assert details.requests == int(count_file.read_text())


@pytest.mark.light
def test_a_failed_login_backs_off_instead_of_hammering(demo_api, tmp_path):
    stats = run_flow("devops_user", demo_api.url, tmp_path, users=3, seconds=8, env={"PERFGATE_USER_PASSWORD": "wrong"})
    assert set(stats) == {"POST /api/v1/auth/login"}
    logins = stats["POST /api/v1/auth/login"]
    assert logins.failures == logins.requests
    # back-off 1, 2, 4 s ...: at most 4 attempts per user in 8 s (without back-off: hundreds)
    assert 3 <= logins.requests <= 3 * 4
