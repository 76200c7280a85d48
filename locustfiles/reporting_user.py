"""Reporting flow: session-cookie login, then the three DORA reports."""

import random

from locust import HttpUser, between, task

from perfgate.auth import credential, session_auth

TEAMS = ("platform", "payments", "data", "mobile", "web", "security")
SERVICES = ("payments-api", "platform-gateway", "data-worker", "web-web", "mobile-api")
REPOSITORIES = ("acme/payments-api", "acme/platform-api", "acme/data-worker", "acme/web-web")


class ReportingUser(HttpUser):
    weight = 3
    wait_time = between(0.1, 0.4)

    def on_start(self) -> None:
        self.auth = session_auth(
            self.client, credential("PERFGATE_SESSION_USER"), credential("PERFGATE_SESSION_PASSWORD")
        )

    @task
    def deployment_frequency(self) -> None:
        team = random.choice(TEAMS)
        path = f"/api/v1/reports/deployment-frequency?team={team}&window=30d"
        self.auth.request("GET", path, name="/api/v1/reports/deployment-frequency")

    @task
    def change_failure_rate(self) -> None:
        service = random.choice(SERVICES)
        path = f"/api/v1/reports/change-failure-rate?service={service}&window=30d"
        self.auth.request("GET", path, name="/api/v1/reports/change-failure-rate")

    @task
    def lead_time(self) -> None:
        repository = random.choice(REPOSITORIES)
        self.auth.request(
            "GET", f"/api/v1/reports/lead-time?repository={repository}&branch=main", name="/api/v1/reports/lead-time"
        )
