"""A task that raises: the login answer lacks the field the locustfile expects (a renamed field,
an API change), so every task after the request ends in a KeyError. Locust records the exception
as `'access_token'` alone (str of a KeyError); the verdict names its type and its line."""

from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)


class Api(HttpUser):
    wait_time = constant(0.05)

    @task
    def health(self):
        answer = self.client.get("/healthz").json()
        self.token = answer["access_token"]  # the line the verdict names
