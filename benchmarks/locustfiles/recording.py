"""The CI job's four flows with every request's raw response time kept, by 3-second interval: the
simulated-master benchmark replays them as worker stats messages, as bare Locust and as perfgate
log and send them (the payloads a real worker of the CI job would send, in both forms)."""

import os
import sys
import time
from pathlib import Path

import locust.stats  # before perfgate: Locust's own log_request, for the bare payloads

LOCUST_LOG_REQUEST = locust.stats.RequestStats.log_request

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "locustfiles"))

import msgpack  # noqa: E402
from build_pipeline_user import BuildPipelineUser  # noqa: E402
from deployment_user import DeploymentUser  # noqa: E402
from devops_user import DevOpsApiUser  # noqa: E402
from locust import events  # noqa: E402
from locust.stats import RequestStats  # noqa: E402
from reporting_user import ReportingUser  # noqa: E402

from perfgate.locust.histograms import WIRE_KEY  # noqa: E402

__all__ = ["BuildPipelineUser", "DeploymentUser", "DevOpsApiUser", "ReportingUser"]
INTERVAL_S = 3.0  # Locust's WORKER_REPORT_INTERVAL
SAMPLES: list[tuple[float, str, str, float, int, str | None]] = []


@events.request.add_listener
def _keep(request_type, name, response_time, response_length, exception=None, **_):
    SAMPLES.append(
        (time.monotonic(), request_type, name, response_time, response_length or 0, exception and str(exception))
    )


@events.quitting.add_listener
def _write_payloads(environment, **_):
    """One stats message per interval, as a worker's report_to_master makes it, for each bucketing."""
    if not SAMPLES:
        return
    start = SAMPLES[0][0]
    intervals: dict[int, list] = {}
    for sample in SAMPLES:
        intervals.setdefault(int((sample[0] - start) // INTERVAL_S), []).append(sample)
    users = environment.runner.user_classes_count
    payloads = {}
    # perfgate's log_request (installed when the flows imported perfgate) also counts its own
    # three-digit histograms, which its report_to_master listener adds to the report
    for arm, log_request in (("bare", LOCUST_LOG_REQUEST), ("perfgate", RequestStats.log_request)):
        messages = []
        for index in sorted(intervals)[1:-1]:  # the first and last are partial
            stats = RequestStats()
            for _, method, name, response_time, length, error in intervals[index]:
                log_request(stats, method, name, response_time, length)
                if error:
                    stats.log_error(method, name, error)
            message = {
                "stats": stats.serialize_stats(),
                "stats_total": stats.total.get_stripped_report(),
                "errors": stats.serialize_errors(),
                "user_classes_count": users,
                "user_count": sum(users.values()),
            }
            if arm == "perfgate":
                message[WIRE_KEY] = stats.perfgate_buckets.report()
            messages.append(message)
        payloads[arm] = messages
    Path(os.environ["PERFGATE_RECORDING"]).write_bytes(msgpack.dumps(payloads))
