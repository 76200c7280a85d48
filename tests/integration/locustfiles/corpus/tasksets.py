"""TaskSets as users write them: a nested TaskSet, a SequentialTaskSet and a MarkovTaskSet."""

from locust import HttpUser, MarkovTaskSet, SequentialTaskSet, TaskSet, between, task, transition

import perfgate  # noqa: F401  (registers the gate)

SESSION = {"username": "analytics-bot", "password": "AnalyticsPassword789!"}


class Reports(TaskSet):
    @task
    class Drilldown(TaskSet):
        @task
        def lead_time(self):
            self.client.get("/api/v1/reports/lead-time?repository=acme/web-web&branch=main", name="/reports/lead-time")
            self.interrupt()

    @task(3)
    def frequency(self):
        self.client.get("/api/v1/reports/deployment-frequency?team=web&window=30d", name="/reports/frequency")


class Login(SequentialTaskSet):
    def on_start(self):
        self.client.post(
            "/api/v1/session/login", json={"username": "analytics-bot", "password": "AnalyticsPassword789!"}
        )

    @task
    def first(self):
        self.client.get("/api/v1/reports/change-failure-rate?service=web-web", name="/reports/failure-rate")

    @task
    def then(self):
        self.schedule_task(Reports)


class Journey(MarkovTaskSet):
    @transition("browse")
    def start(self):
        self.client.get("/api/v1/reports/deployment-frequency?team=data&window=7d", name="/reports/frequency")

    @transition("start", weight=1)
    @transition("browse", weight=2)
    def browse(self):
        self.client.get("/api/v1/reports/change-failure-rate?service=data", name="/reports/failure-rate")


class ReportReader(HttpUser):
    wait_time = between(0.05, 0.15)
    tasks = [Login]


class Wanderer(HttpUser):
    wait_time = between(0.05, 0.15)
    tasks = [Journey]

    def on_start(self):
        self.client.post(
            "/api/v1/session/login", json={"username": "analytics-bot", "password": "AnalyticsPassword789!"}
        )
