"""Plain Locust, no perfgate: the reference every benchmark compares perfgate against.

One set of tasks (plain functions of the user), three ways to drive it: FastHttpUser with no wait
(the generator's saturation), FastHttpUser lightly paced (distributed runs), and HttpUser paced
like the CI flows (the CI load); and FastHttpUser with no wait on /healthz, the cheapest request
the demo API answers, where the generator's own cost per request shows most."""

from typing import Any

from locust import FastHttpUser, HttpUser, between, constant, task

LOGIN = {"email": "ci-bot@example.com", "password": "SuperSecurePassword123!"}


def log_in(user: Any) -> None:
    token = user.client.post("/api/v1/auth/login", json=LOGIN).json()["access_token"]
    user.auth = {"Authorization": f"Bearer {token}"}


def projects(user: Any) -> None:
    user.client.get("/api/v1/projects?limit=20", name="/api/v1/projects", headers=user.auth)


def status(user: Any) -> None:
    user.client.get("/api/v1/builds/9001/status", name="/api/v1/builds/:id/status", headers=user.auth)


def deployments(user: Any) -> None:
    user.client.get("/api/v1/deployments?limit=20", name="/api/v1/deployments", headers=user.auth)


TASKS = {projects: 3, status: 2, deployments: 1}


class ApiReader(FastHttpUser):
    wait_time = between(0.05, 0.1)
    tasks = TASKS
    on_start = log_in


class SaturatingReader(FastHttpUser):
    wait_time = constant(0)
    tasks = TASKS
    on_start = log_in


class PacedReader(HttpUser):
    wait_time = between(0.1, 0.4)
    tasks = TASKS
    on_start = log_in


class HealthzSaturator(FastHttpUser):
    wait_time = constant(0)

    @task
    def health(self) -> None:
        self.client.get("/healthz")
