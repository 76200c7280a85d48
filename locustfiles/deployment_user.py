"""Deployment flow: password login, list deployments, deployment detail; the access token is
refreshed with the refresh token before it expires (and again on a 401)."""

import random

from locust import HttpUser, between, task

from perfgate.auth import credential, password_auth

ENVIRONMENTS = ("staging", "production")
KNOWN_DEPLOYMENT = 55021


class DeploymentUser(HttpUser):
    weight = 2
    wait_time = between(0.1, 0.4)

    def on_start(self) -> None:
        self.auth = password_auth(
            self.client, credential("PERFGATE_RELEASE_EMAIL"), credential("PERFGATE_RELEASE_PASSWORD")
        )
        self.seen: list[int] = [KNOWN_DEPLOYMENT]

    @task(3)
    def list_deployments(self) -> None:
        environment = random.choice(ENVIRONMENTS)
        with self.auth.request(
            "GET",
            f"/api/v1/deployments?environment={environment}&status=succeeded&limit=20",
            name="/api/v1/deployments",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.seen = [item["id"] for item in response.json()["items"]] or [KNOWN_DEPLOYMENT]

    @task(2)
    def deployment_detail(self) -> None:
        deployment_id = random.choice(self.seen)
        self.auth.request("GET", f"/api/v1/deployments/{deployment_id}", name="/api/v1/deployments/:id")
