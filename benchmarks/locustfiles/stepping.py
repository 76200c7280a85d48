"""Paced users on /healthz (no login, whose own time would fill the tail) driven by a load shape
that changes their number every second (16, 18, 16, ...) for --run-time: with workers, each
change is a spawn message to each. (Locust leaves the end of a shaped run to the shape.)"""

from locust import FastHttpUser, LoadTestShape, constant, task


class PacedHealthz(FastHttpUser):
    wait_time = constant(0.05)

    @task
    def health(self) -> None:
        self.client.get("/healthz")


class EverySecond(LoadTestShape):
    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        if run_time >= self.runner.environment.parsed_options.run_time:
            return None
        return 16 + 2 * (int(run_time) % 2), 100
