"""A careless locustfile: secrets in request URLs that it does not group with name=, so Locust
would make them entry names and error messages. perfgate must keep them out of every artifact."""

from locust import HttpUser, constant, task

import perfgate  # noqa: F401  (registers the gate)
from perfgate.auth import DEFAULT_CREDENTIALS, password_auth


class LeakyUser(HttpUser):
    wait_time = constant(0.2)

    def on_start(self) -> None:
        self.auth = password_auth(
            self.client, DEFAULT_CREDENTIALS["PERFGATE_USER_EMAIL"], DEFAULT_CREDENTIALS["PERFGATE_USER_PASSWORD"]
        )

    @task
    def token_in_the_query(self) -> None:
        token = self.auth.ensure().access_token
        self.client.get(f"/api/v1/projects?limit=5&access_token={token}")  # no name=: the URL is the name

    @task
    def password_in_the_query(self) -> None:
        password = DEFAULT_CREDENTIALS["PERFGATE_USER_PASSWORD"]
        self.client.get(f"/api/v1/reports/lead-time?user=ci&password={password}")  # answers 401: an error too
