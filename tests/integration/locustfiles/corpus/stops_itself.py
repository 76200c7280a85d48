"""A locustfile that stops its own run, the way Locust's docs show: a background greenlet started at
`init` quits the runner when the failure ratio passes 20%. Every other request here fails (404,
which FastHttpUser reports as LocustBadStatusCode(code=404)): one task makes both, so once 20
requests are in, the ratio is over 40% whenever the checker looks (each user is at most one
request ahead), however slowly a busy machine sends them."""

import gevent
from locust import FastHttpUser, constant, events, task
from locust.runners import STATE_CLEANUP, STATE_STOPPED, STATE_STOPPING, WorkerRunner

import perfgate  # noqa: F401  (registers the gate)


class Api(FastHttpUser):
    wait_time = constant(0.05)

    @task
    def health_then_missing(self):
        self.client.get("/healthz")
        self.client.get("/no/such/page")


def checker(environment):
    while environment.runner.state not in (STATE_STOPPING, STATE_STOPPED, STATE_CLEANUP):
        gevent.sleep(1)
        total = environment.runner.stats.total
        if total.num_requests >= 20 and total.fail_ratio > 0.2:
            print(f"fail ratio was {environment.runner.stats.total.fail_ratio}, quitting")
            environment.runner.quit()  # the line the verdict names
            return


@events.init.add_listener
def on_locust_init(environment, **_):
    if not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(checker, environment)
