"""A LoadTestShape whose tick() raises once its stage table runs out (an off-by-one): Locust logs
the dead greenlet on its own logger, stops the test and flags the run."""

from locust import HttpUser, LoadTestShape, constant, task

import perfgate  # noqa: F401  (registers the gate)


class Prober(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        self.client.get("/healthz")


class TableShape(LoadTestShape):
    stages = [(2, 2)]  # (until this second, users)

    def tick(self):
        index = 0 if self.get_run_time() < self.stages[0][0] else 1
        return self.stages[index][1], 2  # the line the verdict names
