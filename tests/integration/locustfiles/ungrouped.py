"""A locustfile that forgets to group ids: one Locust entry per build id."""

import random

from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)
from perfgate.auth import credential, password_auth


class UngroupedIds(HttpUser):
    wait_time = constant(0.03)  # a few hundred requests a second: distinct ids, not a saturated generator

    def on_start(self) -> None:
        self.auth = password_auth(self.client, credential("PERFGATE_USER_EMAIL"), credential("PERFGATE_USER_PASSWORD"))

    @task
    def build_status(self) -> None:
        build = random.randint(9001, 79_000)  # the seeded builds
        self.auth.request("GET", f"/api/v1/builds/{build}/status", name=f"/api/v1/builds/{build}/status")
