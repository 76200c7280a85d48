"""A custom client whose clock goes wrong: it reports `inf` ms for a call that got no answer, and
NaN for the mean of the retries of a call that made none. Locust alone counts them and then
crashes in its final summary (exit 1, no verdict); gated, they are refused as they come. It also
reports no length for a message with no body, which Locust's counting fails on, and times one call
in seconds (no `* 1000`), which every latency limit passes."""

import math
import statistics
import time

from locust import User, constant, events, task

import perfgate  # noqa: F401  (registers the gate)


class QueueUser(User):
    wait_time = constant(0.05)

    def report(self, name: str, milliseconds: float, length: int | None = 0) -> None:
        events.request.fire(
            request_type="amqp",
            name=name,
            response_time=milliseconds,
            response_length=length,
            context={},
            exception=None,
        )

    @task(5)
    def publish(self):
        self.report("publish builds", 1.5)

    @task(1)
    def unanswered(self):
        self.report("rpc deploy", math.inf)

    @task(1)
    def no_retries(self):
        retries: list[float] = []
        self.report("consume events", statistics.fmean(retries) if retries else math.nan)

    @task(1)
    def acknowledge(self):
        body = None  # an acknowledgement has no body
        self.report("ack events", 0.8, len(body) if body else None)

    @task(1)
    def fetch(self):
        start = time.perf_counter()
        time.sleep(0.002)
        self.report("fetch artifacts", time.perf_counter() - start)  # seconds: 2 ms reported as 0.002
