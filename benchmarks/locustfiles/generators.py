"""The four flows of locustfiles/ with no wait, once as written (HttpUser) and once on
FastHttpUser, for benchmarks/generators.py: requests per CPU-second of the generator, measured
from test start to test stop and written to $PERFGATE_BENCH_CPU."""

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "locustfiles"))

from build_pipeline_user import BuildPipelineUser
from deployment_user import DeploymentUser
from devops_user import DevOpsApiUser
from reporting_user import ReportingUser

FLOWS = (DevOpsApiUser, BuildPipelineUser, DeploymentUser, ReportingUser)
USAGE: dict[str, Any] = {}


def _unpaced(flow: type, client: type | None) -> type:
    bases = (client, flow) if client else (flow,)
    prefix = "Fast" if client else "Http"
    return type(f"{prefix}{flow.__name__}", bases, {"wait_time": constant(0), "weight": 1, "__module__": __name__})


for _flow in FLOWS:
    for _client in (None, FastHttpUser):
        _user = _unpaced(_flow, _client)
        globals()[_user.__name__] = _user


@events.test_start.add_listener
def _started(**_: Any) -> None:
    USAGE["start"] = resource.getrusage(resource.RUSAGE_SELF)
    USAGE["started_at"] = time.monotonic()


@events.test_stop.add_listener
def _stopped(environment: Any, **_: Any) -> None:
    """CPU seconds and requests of the test alone (start-up and imports excluded)."""
    end, start = resource.getrusage(resource.RUSAGE_SELF), USAGE["start"]
    record = {
        "cpu_s": end.ru_utime + end.ru_stime - start.ru_utime - start.ru_stime,
        "seconds": time.monotonic() - USAGE["started_at"],
        "requests": environment.stats.total.num_requests,
    }
    Path(os.environ["PERFGATE_BENCH_CPU"]).write_text(json.dumps(record))
