"""steady.py driven by a LoadTestShape of its own (Locust's stages example), two minutes long."""

from locust import LoadTestShape
from steady import Pinger  # noqa: F401


class StagesShape(LoadTestShape):
    stages = [
        {"duration": 5, "users": 2, "spawn_rate": 2},
        {"duration": 120, "users": 4, "spawn_rate": 2},
    ]

    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        for stage in self.stages:
            if run_time < stage["duration"]:
                return stage["users"], stage["spawn_rate"]
        return None
