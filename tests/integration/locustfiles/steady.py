"""One light user class on /healthz, for runs that a test stops with a signal."""

from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)


class Pinger(HttpUser):
    wait_time = constant(0.5)

    @task
    def ping(self) -> None:
        self.client.get("/healthz")
