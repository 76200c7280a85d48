"""A locustfile with a load shape of its own: a profile with load.stages must not fight it."""

from locust import HttpUser, LoadTestShape, constant, task

import perfgate  # noqa: F401  (registers the gate)


class Pinger(HttpUser):
    wait_time = constant(1)

    @task
    def ping(self) -> None:
        self.client.get("/healthz", name="/healthz")


class TenUsersForFiveSeconds(LoadTestShape):
    def tick(self) -> tuple[int, float] | None:
        return (10, 10.0) if self.get_run_time() < 5 else None
