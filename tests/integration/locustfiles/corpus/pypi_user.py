"""A locustfile for a third-party server (pypiserver, from PyPI): requests named with the
method, without it, and not at all."""

from locust import HttpUser, between, task

import perfgate  # noqa: F401  (registers the gate)


class PackageIndexUser(HttpUser):
    wait_time = between(0.05, 0.15)

    @task(3)
    def index(self):
        self.client.get("/simple/", name="GET /simple/")

    @task(2)
    def package(self):
        self.client.get("/simple/locust-plugins/", name="/simple/:package/")

    @task(1)
    def health(self):
        self.client.get("/health")

    @task(1)
    def missing(self):
        with self.client.get("/simple/no-such-package/", name="GET /simple/:missing/", catch_response=True) as response:
            if response.status_code == 404:
                response.success()  # a 404 is the answer this check expects
