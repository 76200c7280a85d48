"""A locustfile with its own exit-code check in a `quitting` listener, as Locust's documentation
shows one (1 when its check fails, else 0), registered before perfgate is imported: Locust fires
such a listener after perfgate's unless perfgate moves its own. OWN_CHECK_P95_MS is the check's
limit on the total p95."""

import os

from locust import HttpUser, constant, events, task

P95_LIMIT_MS = float(os.environ.get("OWN_CHECK_P95_MS", "800"))


@events.quitting.add_listener
def _(environment, **_kw):
    total = environment.stats.total
    if total.fail_ratio > 0.01 or total.get_response_time_percentile(0.95) > P95_LIMIT_MS:
        environment.process_exit_code = 1
    else:
        environment.process_exit_code = 0


import perfgate  # noqa: E402, F401  (below the listener on purpose)


class Api(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        self.client.get("/healthz")
