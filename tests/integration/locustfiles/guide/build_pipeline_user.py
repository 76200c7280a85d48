"""The guide's build and artifact scenario, as printed: client-credentials token in on_start."""

import random
import uuid

from locust import HttpUser, between, task


class BuildPipelineUser(HttpUser):
    wait_time = between(2, 4)

    def on_start(self):
        response = self.client.post(
            "/api/v1/auth/token",
            json={
                "client_id": "ci-runner",
                "client_secret": "ci-runner-secret",
                "grant_type": "client_credentials",
                "scope": "builds:read builds:write artifacts:read",
            },
            headers={"Content-Type": "application/json"},
            name="POST /api/v1/auth/token",
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    @task(3)
    def trigger_build(self):
        branch = random.choice(["main", "develop", "release/2026.04"])
        payload = {
            "project_id": 2001,
            "branch": branch,
            "commit_sha": str(uuid.uuid4()).replace("-", "")[:12],
            "pipeline_source": "ci_regression_test",
            "variables": {"RUN_E2E": "false", "RUN_PERF_SMOKE": "true"},
        }
        self.client.post("/api/v1/builds", json=payload, headers=self.headers, name="POST /api/v1/builds")

    @task(2)
    def get_build_status(self):
        build_id = random.choice([78110, 78111, 78112, 78113])
        self.client.get(f"/api/v1/builds/{build_id}/status", headers=self.headers, name="GET /api/v1/builds/:id/status")

    @task(1)
    def list_artifacts(self):
        build_id = random.choice([78110, 78111, 78112])
        self.client.get(
            f"/api/v1/builds/{build_id}/artifacts?type=report",
            headers=self.headers,
            name="GET /api/v1/builds/:id/artifacts",
        )
