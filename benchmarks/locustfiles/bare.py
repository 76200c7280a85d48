"""Plain Locust, no perfgate: the reference for the plugin's cost on the master."""

from locust import FastHttpUser, between, task


class ApiReader(FastHttpUser):
    wait_time = between(0.05, 0.1)
    auth: dict[str, str]

    def on_start(self) -> None:
        login = {"email": "ci-bot@example.com", "password": "SuperSecurePassword123!"}
        token = self.client.post("/api/v1/auth/login", json=login).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}

    @task(3)
    def projects(self) -> None:
        self.client.get("/api/v1/projects?limit=20", name="/api/v1/projects", headers=self.auth)

    @task(2)
    def status(self) -> None:
        self.client.get("/api/v1/builds/9001/status", name="/api/v1/builds/:id/status", headers=self.auth)

    @task(1)
    def deployments(self) -> None:
        self.client.get("/api/v1/deployments?limit=20", name="/api/v1/deployments", headers=self.auth)
