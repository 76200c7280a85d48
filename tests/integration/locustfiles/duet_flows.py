"""A quick flow for duets: a login per user in on_start, then a TaskSet of four reads with a
short wait, so that a 20 s run gives each endpoint hundreds of requests a side."""

import random

from locust import HttpUser, TaskSet, constant, task

import perfgate  # noqa: F401  (registers the gate)
from perfgate.auth import credential, password_auth


class Reads(TaskSet):
    @task(3)
    def projects(self) -> None:
        self.user.auth.request("GET", "/api/v1/projects?limit=20", name="/api/v1/projects")

    @task(2)
    def builds(self) -> None:
        project = random.choice((101, 102, 103))
        self.user.auth.request("GET", f"/api/v1/projects/{project}/builds?limit=20", name="/api/v1/projects/:id/builds")

    @task(2)
    def deployments(self) -> None:
        self.user.auth.request("GET", "/api/v1/deployments?limit=20", name="/api/v1/deployments")

    @task(2)
    def status(self) -> None:
        self.user.auth.request("GET", "/api/v1/builds/78110/status", name="/api/v1/builds/:id/status")


class Reader(HttpUser):
    wait_time = constant(0.05)
    tasks = [Reads]

    def on_start(self) -> None:
        self.auth = password_auth(self.client, credential("PERFGATE_USER_EMAIL"), credential("PERFGATE_USER_PASSWORD"))
