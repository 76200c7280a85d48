"""A User with its own client that fires events.request itself, as gRPC, XML-RPC or database
clients do: request types that are not HTTP methods, names with spaces, a failure with its error."""

import random
import time

from locust import User, between, events, task

import perfgate  # noqa: F401  (registers the gate)


class FakeRpcClient:
    """Stands in for a gRPC stub: it measures a call and reports it the way locust's docs show."""

    def call(self, request_type, name, seconds, fail=False):
        start = time.perf_counter()
        time.sleep(seconds)
        events.request.fire(
            request_type=request_type,
            name=name,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=42,
            response=None,
            context={},
            exception=RuntimeError("UNAVAILABLE: upstream reset") if fail else None,
        )


class RpcUser(User):
    wait_time = between(0.02, 0.05)

    def on_start(self):
        self.client = FakeRpcClient()

    @task(3)
    def say_hello(self):
        self.client.call("grpc", "helloworld.Greeter/SayHello", 0.002)

    @task(2)
    def health(self):
        self.client.call("grpc", "Health Check", 0.001)

    @task(1)
    def query(self):
        self.client.call("sql", "SELECT builds by project", 0.003, fail=random.random() < 0.1)
