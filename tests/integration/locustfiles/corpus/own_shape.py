"""A LoadTestShape of the locustfile's own (Locust's stages example), with the default of one
user class: the shape, not -u, decides the user count."""

from locust import HttpUser, LoadTestShape, between, task

import perfgate  # noqa: F401  (registers the gate)


class Prober(HttpUser):
    wait_time = between(0.05, 0.15)

    @task
    def health(self):
        self.client.get("/healthz")


class StagesShape(LoadTestShape):
    stages = [
        {"duration": 3, "users": 2, "spawn_rate": 2},
        {"duration": 7, "users": 5, "spawn_rate": 5},
        {"duration": 9, "users": 1, "spawn_rate": 5},
    ]

    def tick(self):
        run_time = self.get_run_time()
        for stage in self.stages:
            if run_time < stage["duration"]:
                return stage["users"], stage["spawn_rate"]
        return None
