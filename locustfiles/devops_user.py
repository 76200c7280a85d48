"""DevOps API flow: password login, list projects, a project's builds, retry a build.

Each user is a CI bot that starts a new pipeline session (a fresh login) now and then, as bots
do, so that the login endpoint gets enough requests for its p95 to mean something."""

import random

from locust import HttpUser, between, task

from perfgate.auth import credential, password_auth

PROJECT_IDS = (101, 102, 103, 104, 2001)
RETRYABLE_BUILDS = (9001, 9002, 9003)


class DevOpsApiUser(HttpUser):
    weight = 4
    wait_time = between(0.1, 0.4)

    def on_start(self) -> None:
        self.auth = password_auth(self.client, credential("PERFGATE_USER_EMAIL"), credential("PERFGATE_USER_PASSWORD"))

    @task(4)
    def list_projects(self) -> None:
        self.auth.request("GET", "/api/v1/projects?limit=20&sort=updated_at:desc", name="/api/v1/projects")

    @task(3)
    def project_builds(self) -> None:
        project_id = random.choice(PROJECT_IDS)
        status = random.choice(("succeeded", "failed", "running"))
        self.auth.request(
            "GET", f"/api/v1/projects/{project_id}/builds?status={status}&limit=20", name="/api/v1/projects/:id/builds"
        )

    @task(2)
    def new_pipeline_session(self) -> None:
        self.auth.login()

    @task(1)
    def retry_build(self) -> None:
        build_id = random.choice(RETRYABLE_BUILDS)
        payload = {"reason": "flaky integration test", "triggered_by": "perfgate-load-test"}
        self.auth.request("POST", f"/api/v1/builds/{build_id}/retry", json=payload, name="/api/v1/builds/:id/retry")
