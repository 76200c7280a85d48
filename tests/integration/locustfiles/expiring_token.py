"""A user whose access token always expires between tasks and is never renewed ahead of time, so
every request meets a 401 first. Counts the tasks that finished (a task the run's stop cuts short
mid-request has no request recorded), to compare with Locust's request count."""

import os

from locust import HttpUser, constant, events, task

from perfgate.auth import credential, password_auth

TASKS_RUN = {"detail": 0}


class ExpiringTokenUser(HttpUser):
    wait_time = constant(1.3)

    def on_start(self) -> None:
        self.auth = password_auth(
            self.client, credential("PERFGATE_RELEASE_EMAIL"), credential("PERFGATE_RELEASE_PASSWORD")
        )
        self.auth.refresh_margin_s = -3600  # never renew ahead: only the 401 path renews

    @task
    def deployment_detail(self) -> None:
        self.auth.request("GET", "/api/v1/deployments/55021", name="/api/v1/deployments/:id")
        TASKS_RUN["detail"] += 1


@events.quitting.add_listener
def _write_count(**_kwargs) -> None:
    with open(os.environ["TASK_COUNT_FILE"], "w") as out:
        out.write(str(TASKS_RUN["detail"]))
