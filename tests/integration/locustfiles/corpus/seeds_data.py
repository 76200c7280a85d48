"""A locustfile that prepares data when the test starts, in a `test_start` listener, and whose
preparation fails: Locust logs the exception and runs the test anyway, on data that is not there."""

from locust import HttpUser, constant, events, task

import perfgate  # noqa: F401  (registers the gate)


@events.test_start.add_listener
def seed(environment, **_):
    raise RuntimeError("seeding failed: 503 from /admin/seed?token=s3cr3t")  # the line the verdict names


class Api(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        self.client.get("/healthz")
