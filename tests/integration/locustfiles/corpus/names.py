"""Every way a locustfile names a request: name= without the method, with it, none at all (the URL
with its query becomes the name), rename_request, a method written in lower case."""

from locust import HttpUser, between, task

import perfgate  # noqa: F401  (registers the gate)
from perfgate.auth import DEFAULT_CREDENTIALS

LOGIN = {"email": DEFAULT_CREDENTIALS["PERFGATE_USER_EMAIL"], "password": DEFAULT_CREDENTIALS["PERFGATE_USER_PASSWORD"]}


class NamingStyles(HttpUser):
    wait_time = between(0.05, 0.15)

    def on_start(self):
        token = self.client.post("/api/v1/auth/login", json=LOGIN).json()["access_token"]  # no name=
        self.client.headers["Authorization"] = f"Bearer {token}"

    @task
    def method_in_the_name(self):
        self.client.get("/api/v1/projects?limit=20", name="GET /api/v1/projects")

    @task
    def name_without_method(self):
        self.client.get("/api/v1/deployments?environment=staging", name="/api/v1/deployments")

    @task
    def no_name_at_all(self):
        self.client.get("/api/v1/builds/9001/status?verbose=1")

    @task
    def renamed(self):
        with self.client.rename_request("deployment detail"):
            self.client.get("/api/v1/deployments/55021")

    @task
    def lower_case_method(self):
        self.client.request("get", "/api/v1/projects/101/builds?limit=5", name="/api/v1/projects/:id/builds")
