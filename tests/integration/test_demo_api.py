"""The demo API's behaviour and auth rules, over HTTP against the real server process."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from perfgate.demo.launcher import DemoApiProcess
from tests.processes import REPO, get_json, run_bounded

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests

LOGIN = {"email": "ci-bot@example.com", "password": "SuperSecurePassword123!"}
CLIENT = {"client_id": "ci-runner", "client_secret": "ci-runner-secret", "grant_type": "client_credentials"}


def call(demo: DemoApiProcess, method: str, path: str, body: Any = None, headers: dict | None = None):
    """(status, parsed JSON body, response headers); error statuses are returned, not raised."""
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(demo.url + path, data=data, method=method, headers=headers or {})
    if data is not None and not isinstance(body, bytes):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(demo: DemoApiProcess) -> dict[str, Any]:
    status, body, _ = call(demo, "POST", "/api/v1/auth/login", LOGIN)
    assert status == 200
    return body


def test_password_login_returns_a_token_pair(demo_api):
    body = login(demo_api)
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["refresh_token"] and body["expires_in"] > 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "ci-bot@example.com", "password": "wrong"}, 401),
        ({"email": "nobody@example.com", "password": "SuperSecurePassword123!"}, 401),
        ({"email": "ci-bot@example.com"}, 422),
        ({"email": 5, "password": "x"}, 422),
        (b"{not json", 422),
        ([1, 2], 422),
    ],
)
def test_login_rejects_bad_credentials_and_bodies(demo_api, body, status):
    got, payload, _ = call(demo_api, "POST", "/api/v1/auth/login", body)
    assert got == status
    assert "error" in payload and "Traceback" not in json.dumps(payload)


def test_a_refresh_token_stays_valid_until_it_expires_by_default(demo_api):
    first = login(demo_api)
    for _ in range(3):  # the guide's deployment script refreshes with its login's token every time
        status, renewed, _ = call(demo_api, "POST", "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
        assert status == 200 and "refresh_token" not in renewed
        assert call(demo_api, "GET", "/api/v1/projects", headers=bearer(renewed["access_token"]))[0] == 200
    assert call(demo_api, "POST", "/api/v1/auth/refresh", {"refresh_token": "made-up"})[0] == 401


def test_with_rotation_a_refresh_returns_a_new_token_and_a_used_one_is_refused(start_demo):
    demo = start_demo(rotate_refresh_tokens=True)
    assert "refresh tokens rotating" in demo.banner
    first = login(demo)
    status, second, _ = call(demo, "POST", "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    assert call(demo, "GET", "/api/v1/projects", headers=bearer(second["access_token"]))[0] == 200
    reused, body, _ = call(demo, "POST", "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert (reused, body["error"]) == (401, "invalid_grant")
    assert call(demo, "POST", "/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]})[0] == 200


def test_client_credentials_grant_is_limited_to_granted_scopes(demo_api):
    status, body, _ = call(demo_api, "POST", "/api/v1/auth/token", {**CLIENT, "scope": "builds:read deploy:all"})
    assert status == 200 and body["scope"] == "builds:read"
    token = body["access_token"]
    assert call(demo_api, "GET", "/api/v1/builds/9001/status", headers=bearer(token))[0] == 200
    build = {"project_id": 101, "branch": "main", "commit_sha": "abc1234"}
    status, body, _ = call(demo_api, "POST", "/api/v1/builds", build, bearer(token))
    assert (status, body["error"]) == (403, "insufficient_scope")
    assert call(demo_api, "GET", "/api/v1/projects", headers=bearer(token))[0] == 403


def test_client_credentials_errors(demo_api):
    assert call(demo_api, "POST", "/api/v1/auth/token", {**CLIENT, "grant_type": "password"})[0] == 400
    assert call(demo_api, "POST", "/api/v1/auth/token", {**CLIENT, "client_secret": "nope"})[0] == 401
    assert call(demo_api, "POST", "/api/v1/auth/token", {"client_id": "ci-runner"})[0] == 422


def test_missing_tampered_and_wrong_scheme_tokens_get_401(demo_api):
    token = login(demo_api)["access_token"]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for headers in ({}, bearer(tampered), {"Authorization": f"Basic {token}"}, bearer("x.y")):
        status, body, _ = call(demo_api, "GET", "/api/v1/projects", headers=headers)
        assert status == 401, headers
        assert body["error"] in ("unauthenticated", "invalid_token")


def test_expired_access_token_gets_401(start_demo):
    demo = start_demo(token_ttl_s=1)
    token = login(demo)["access_token"]
    assert call(demo, "GET", "/api/v1/projects", headers=bearer(token))[0] == 200
    time.sleep(1.2)
    status, body, _ = call(demo, "GET", "/api/v1/projects", headers=bearer(token))
    assert (status, body["error"]) == (401, "token_expired")


def test_session_cookie_opens_reports_and_nothing_else(demo_api):
    status, _, headers = call(
        demo_api, "POST", "/api/v1/session/login", {"username": "analytics-bot", "password": "AnalyticsPassword789!"}
    )
    cookie = headers["Set-Cookie"]
    assert status == 200 and "HttpOnly" in cookie and cookie.startswith("session_id=")
    session = {"Cookie": cookie.split(";")[0]}
    status, body, _ = call(demo_api, "GET", "/api/v1/reports/change-failure-rate?service=payments-api", headers=session)
    assert status == 200 and body["deployments"] > 0
    assert call(demo_api, "GET", "/api/v1/projects", headers=session)[0] == 401
    assert call(demo_api, "GET", "/api/v1/reports/lead-time?repository=acme/payments-api")[0] == 401
    wrong = {"username": "analytics-bot", "password": "nope"}
    assert call(demo_api, "POST", "/api/v1/session/login", wrong)[0] == 401


def test_resources_and_seeded_ids(demo_api):
    auth = bearer(login(demo_api)["access_token"])
    status, projects, _ = call(demo_api, "GET", "/api/v1/projects?limit=2&sort=updated_at:desc", headers=auth)
    assert status == 200 and len(projects["items"]) == 2 and projects["next"]
    updated = [p["updated_at"] for p in projects["items"]]
    assert updated == sorted(updated, reverse=True)
    assert call(demo_api, "GET", "/api/v1/projects?sort=owner", headers=auth)[0] == 400
    for project_id in (101, 102, 103, 104, 2001):
        status, builds, _ = call(demo_api, "GET", f"/api/v1/projects/{project_id}/builds?status=failed", headers=auth)
        assert status == 200 and {b["status"] for b in builds["items"]} == {"failed"}
    assert call(demo_api, "GET", "/api/v1/projects/999/builds", headers=auth)[0] == 404
    for build_id in (9001, 9002, 9003, 78110, 78111, 78112, 78113):
        assert call(demo_api, "GET", f"/api/v1/builds/{build_id}/status", headers=auth)[0] == 200
    assert call(demo_api, "GET", "/api/v1/deployments/55021", headers=auth)[1]["id"] == 55021
    assert call(demo_api, "GET", "/api/v1/builds/9001/artifacts?type=sbom", headers=auth)[0] == 200
    status, deployments, _ = call(
        demo_api, "GET", "/api/v1/deployments?environment=production&status=failed", headers=auth
    )
    assert status == 200 and {(d["environment"], d["status"]) for d in deployments["items"]} == {
        ("production", "failed")
    }


def test_builds_are_written_and_retried(demo_api):
    auth = bearer(login(demo_api)["access_token"])
    build = {"project_id": 101, "branch": "main", "commit_sha": "abcdef1", "pipeline_source": "push", "variables": {}}
    status, created, headers = call(demo_api, "POST", "/api/v1/builds", build, auth)
    assert status == 201 and created["status"] == "queued" and headers["Location"].endswith("/status")
    status, polled, _ = call(demo_api, "GET", f"/api/v1/builds/{created['id']}/status", headers=auth)
    assert status == 200 and polled["status"] == "queued"
    status, retried, _ = call(demo_api, "POST", f"/api/v1/builds/{created['id']}/retry", {"reason": "flaky"}, auth)
    assert status == 202 and retried["attempt"] == 2 and retried["retry_of"] == created["id"]
    assert call(demo_api, "POST", "/api/v1/builds", {**build, "commit_sha": "xyz"}, auth)[0] == 422
    assert call(demo_api, "POST", "/api/v1/builds", {**build, "project_id": 5}, auth)[0] == 422
    assert call(demo_api, "POST", "/api/v1/builds/1/retry", {}, auth)[0] == 404


def test_unknown_routes_and_methods(demo_api):
    assert call(demo_api, "GET", "/api/v1/nothing")[0] == 404
    assert call(demo_api, "DELETE", "/api/v1/projects")[0] == 405


def test_healthz_lists_active_injections(start_demo):
    demo = start_demo("latency:GET /api/v1/projects:5", "errors:*:1:until=1h")
    health = get_json(demo.url + "/healthz")
    assert health["status"] == "ok"
    assert health["active_injections"] == ["latency:GET /api/v1/projects:5", "errors:*:1:until=3600s"]


def test_injected_errors_answer_500_without_a_stack_trace(start_demo):
    demo = start_demo("errors:POST /api/v1/auth/login:100")
    status, body, _ = call(demo, "POST", "/api/v1/auth/login", LOGIN)
    assert status == 500 and body["error"] == "injected_error"


@pytest.mark.parametrize(
    "spec", ["latency:GET /x", "errors:*:150", "latency:*:fast", "slowauth", "errors:*:5:until=soon"]
)
def test_a_malformed_injection_is_refused_at_start(spec):
    finished = run_bounded(
        [sys.executable, "-m", "perfgate", "demo-api", "--port", "0", "--inject", spec], timeout_s=30, cwd=REPO
    )
    assert finished.returncode == 2
    assert spec in finished.stderr and "invalid injection" in finished.stderr
