"""Build pipeline flow: client-credentials token, trigger a build, poll its status, list artifacts."""

import random
import secrets

from locust import HttpUser, between, task

from perfgate.auth import client_credentials_auth, credential

PROJECT_IDS = (101, 102, 103, 104, 2001)
BUILDS_WITH_ARTIFACTS = (78110, 78111, 78112, 78113, 9001, 9002, 9003)


class BuildPipelineUser(HttpUser):
    weight = 3
    wait_time = between(0.1, 0.4)

    def on_start(self) -> None:
        self.auth = client_credentials_auth(
            self.client,
            credential("PERFGATE_CLIENT_ID"),
            credential("PERFGATE_CLIENT_SECRET"),
            credential("PERFGATE_CLIENT_SCOPE"),
        )
        self.build_ids = list(BUILDS_WITH_ARTIFACTS)

    @task(2)
    def trigger_build(self) -> None:
        payload = {
            "project_id": random.choice(PROJECT_IDS),
            "branch": "main",
            "commit_sha": secrets.token_hex(20),
            "pipeline_source": "merge_request",
            "variables": {"DEPLOY_ENV": "staging", "RUN_E2E": "true"},
        }
        with self.auth.request("POST", "/api/v1/builds", json=payload, name="/api/v1/builds", catch_response=True) as r:
            if r.status_code == 201:
                self.build_ids = [r.json()["id"], *self.build_ids[:9]]

    @task(3)
    def build_status(self) -> None:
        build_id = random.choice(self.build_ids)
        self.auth.request("GET", f"/api/v1/builds/{build_id}/status", name="/api/v1/builds/:id/status")

    @task(2)
    def build_artifacts(self) -> None:
        build_id = random.choice(BUILDS_WITH_ARTIFACTS)
        kind = random.choice(("docker-image", "test-report", "sbom"))
        self.auth.request(
            "GET", f"/api/v1/builds/{build_id}/artifacts?type={kind}", name="/api/v1/builds/:id/artifacts"
        )
