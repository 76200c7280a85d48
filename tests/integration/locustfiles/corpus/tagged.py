"""Tags, run with --tags smoke as a PR pipeline runs a smoke subset of a suite whose profile names
every endpoint: a tagged task of the user class, an untagged one, and a TaskSet of which one task is
untagged."""

from locust import HttpUser, TaskSet, constant, tag, task

import perfgate  # noqa: F401  (registers the gate)


class Reports(TaskSet):
    @tag("smoke")
    @task(3)
    def frequency(self):
        self.client.get("/api/v1/reports/deployment-frequency?team=web&window=30d", name="/reports/frequency")

    @task
    def failure_rate(self):
        self.client.get("/api/v1/reports/change-failure-rate?service=web-web", name="/reports/failure-rate")

    @tag("smoke")
    @task
    def done(self):
        self.interrupt()


class Api(HttpUser):
    wait_time = constant(0.05)
    tasks = {Reports: 1}

    def on_start(self):
        self.client.post(
            "/api/v1/session/login", json={"username": "analytics-bot", "password": "AnalyticsPassword789!"}
        )

    @tag("smoke")
    @task(2)
    def health(self):
        self.client.get("/healthz")

    @task
    def projects(self):
        self.client.get("/api/v1/projects?limit=20", name="/api/v1/projects")
