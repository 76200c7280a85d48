"""The guide's reporting scenario, as printed: a session cookie passed with every request."""

from locust import HttpUser, between, task


class ReportingUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        response = self.client.post(
            "/api/v1/session/login",
            json={"username": "analytics-bot", "password": "AnalyticsPassword789!"},
            headers={"Content-Type": "application/json"},
            name="POST /api/v1/session/login",
        )
        response.raise_for_status()
        session_cookie = response.cookies.get("session_id")
        self.headers = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}
        self.cookies = {"session_id": session_cookie}

    @task(3)
    def deployment_frequency_report(self):
        self.client.get(
            "/api/v1/reports/deployment-frequency?team=platform&window=30d",
            headers=self.headers,
            cookies=self.cookies,
            name="GET /api/v1/reports/deployment-frequency",
        )

    @task(2)
    def change_failure_rate_report(self):
        self.client.get(
            "/api/v1/reports/change-failure-rate?service=payments&window=90d",
            headers=self.headers,
            cookies=self.cookies,
            name="GET /api/v1/reports/change-failure-rate",
        )

    @task(1)
    def lead_time_report(self):
        self.client.get(
            "/api/v1/reports/lead-time?repository=checkout-service&branch=main",
            headers=self.headers,
            cookies=self.cookies,
            name="GET /api/v1/reports/lead-time",
        )
