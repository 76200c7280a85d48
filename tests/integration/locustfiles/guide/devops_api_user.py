"""The CI/CD guide's first script, as the guide prints it: the method inside every name=."""

import random

from locust import HttpUser, between, task


class DevOpsApiUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        response = self.client.post(
            "/api/v1/auth/login",
            json={"email": "ci-bot@example.com", "password": "SuperSecurePassword123!"},
            headers={"Content-Type": "application/json"},
            name="POST /api/v1/auth/login",
        )
        if response.status_code == 200:
            data = response.json()
            self.token = data["access_token"]
            self.headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        else:
            self.token = None
            self.headers = {}

    @task(3)
    def list_projects(self):
        self.client.get(
            "/api/v1/projects?limit=20&sort=updated_at:desc", headers=self.headers, name="GET /api/v1/projects"
        )

    @task(2)
    def list_project_builds(self):
        project_id = random.choice([101, 102, 103, 104])
        self.client.get(
            f"/api/v1/projects/{project_id}/builds?status=failed&limit=10",
            headers=self.headers,
            name="GET /api/v1/projects/:id/builds",
        )

    @task(1)
    def retry_build(self):
        build_id = random.choice([9001, 9002, 9003])
        self.client.post(
            f"/api/v1/builds/{build_id}/retry",
            json={"reason": "Regression validation from CI pipeline", "triggered_by": "loadforge-ci-check"},
            headers={**self.headers, "Content-Type": "application/json"},
            name="POST /api/v1/builds/:id/retry",
        )
