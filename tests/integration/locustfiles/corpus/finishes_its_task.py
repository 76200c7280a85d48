"""A task that takes 2.5 s between its two requests, run with --stop-timeout so that each user
finishes the task it is in when --run-time ends, as a flow that must not be cut in half is run."""

import gevent
from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)


class Flow(HttpUser):
    wait_time = constant(0)

    @task
    def two_steps(self):
        self.client.get("/healthz", name="first step")
        gevent.sleep(2.5)
        self.client.get("/healthz", name="second step")
