"""The guide's token-refresh scenario, as printed: it keeps the refresh token of its login and
stores only the new access token after each refresh; `raise_for_status()` on the login."""

from locust import HttpUser, between, task


class DeploymentApiUser(HttpUser):
    wait_time = between(1, 2)

    def on_start(self):
        self.login()

    def login(self):
        response = self.client.post(
            "/api/v1/auth/login",
            json={"email": "release-manager@example.com", "password": "ReleasePassword456!"},
            headers={"Content-Type": "application/json"},
            name="POST /api/v1/auth/login",
        )
        response.raise_for_status()
        data = response.json()
        self.access_token = data["access_token"]
        self.refresh_token = data["refresh_token"]
        self.headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}

    @task(4)
    def list_deployments(self):
        self.client.get(
            "/api/v1/deployments?environment=staging&status=in_progress",
            headers=self.headers,
            name="GET /api/v1/deployments",
        )

    @task(2)
    def get_deployment_details(self):
        deployment_id = 55021
        self.client.get(
            f"/api/v1/deployments/{deployment_id}", headers=self.headers, name="GET /api/v1/deployments/:id"
        )

    @task(1)
    def refresh_session(self):
        response = self.client.post(
            "/api/v1/auth/refresh",
            json={"refresh_token": self.refresh_token},
            headers={"Content-Type": "application/json"},
            name="POST /api/v1/auth/refresh",
        )
        if response.status_code == 200:
            data = response.json()
            self.access_token = data["access_token"]
            self.headers["Authorization"] = f"Bearer {self.access_token}"
