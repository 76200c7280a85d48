"""A locustfile that leaves its warm-up out by resetting Locust's stats itself, 2 s into the test
(an older idiom, before --reset-stats): no reset_stats event announces it."""

import gevent
from locust import HttpUser, constant, events, task

import perfgate  # noqa: F401  (registers the gate)

WARM_UP_S = 2


@events.test_start.add_listener
def reset_after_the_warm_up(environment, **_):
    def reset():
        gevent.sleep(WARM_UP_S)
        environment.stats.reset_all()

    gevent.spawn(reset)


class Api(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        self.client.get("/healthz")
