"""A user class that burns the load generator's CPU between requests: a saturated generator."""

import time

from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)


class CpuBurner(HttpUser):
    wait_time = constant(0)

    @task
    def burn_then_ask(self) -> None:
        deadline = time.perf_counter() + 0.2
        while time.perf_counter() < deadline:
            pass
        self.client.get("/healthz", name="/healthz")
