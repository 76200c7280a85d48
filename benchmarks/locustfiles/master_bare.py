"""A master for the simulated-master benchmark, bare Locust: the CI job's user classes by name
(the fake workers run none of them) and a listener that notes how late each stats message is
handled (the fake workers stamp the time they sent it)."""

import json
import os
import time
from pathlib import Path

from locust import HttpUser, events, task

HANDLED: list[tuple[float, float]] = []  # (when, seconds after it was sent)


class _Idle(HttpUser):
    abstract = True

    @task
    def nothing(self):
        """Never runs: the workers are simulated."""


class DevOpsApiUser(_Idle):
    weight = 4


class DeploymentUser(_Idle):
    weight = 2


class BuildPipelineUser(_Idle):
    weight = 3


class ReportingUser(_Idle):
    weight = 3


@events.worker_report.add_listener
def _lateness(data, **_):
    if "sent_at" in data:
        now = time.time()
        HANDLED.append((now, now - data["sent_at"]))


@events.quitting.add_listener
def _write_lateness(**_):
    Path(os.environ["PERFGATE_LATENESS"]).write_text(json.dumps(HANDLED))
