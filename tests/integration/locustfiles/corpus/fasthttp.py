"""FastHttpUser: name= with the method, no name=, self.rest() with its JSON checks, and
catch_response failures the locustfile decides."""

from locust import FastHttpUser, between, task

import perfgate  # noqa: F401  (registers the gate)
from perfgate.auth import DEFAULT_CREDENTIALS


class FastApi(FastHttpUser):
    wait_time = between(0.05, 0.15)

    def on_start(self):
        with self.rest(
            "POST", "/api/v1/auth/token", json={**self.client_credentials(), "grant_type": "client_credentials"}
        ) as response:
            self.token = response.js["access_token"]

    def client_credentials(self):
        return {
            "client_id": DEFAULT_CREDENTIALS["PERFGATE_CLIENT_ID"],
            "client_secret": DEFAULT_CREDENTIALS["PERFGATE_CLIENT_SECRET"],
            "scope": DEFAULT_CREDENTIALS["PERFGATE_CLIENT_SCOPE"],
        }

    @task(3)
    def status_with_method_in_name(self):
        self.client.get(
            "/api/v1/builds/78110/status", headers={"Authorization": f"Bearer {self.token}"}, name="GET /builds/:id"
        )

    @task(2)
    def rest_artifacts(self):
        headers = {"Authorization": f"Bearer {self.token}"}
        with self.rest("GET", "/api/v1/builds/78110/artifacts", headers=headers) as response:
            if not isinstance(response.js.get("items"), list):
                response.failure("no items in the artifact list")

    @task(1)
    def judged_by_the_locustfile(self):
        headers = {"Authorization": f"Bearer {self.token}"}
        with self.client.get("/api/v1/builds/78111/status", headers=headers, catch_response=True) as response:
            if response.status_code == 200:
                response.failure("the locustfile calls every one of these a failure")
