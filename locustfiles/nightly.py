"""The nightly stress job: the four flows of the DevOps API, stepped up by thresholds/nightly.yaml
until a threshold breaks for a whole step; the capacity is the highest step that held.

    locust -f locustfiles/nightly.py --headless --history

With no --host the demo API is started on a free 127.0.0.1 port for the run (PERFGATE_DEMO_INJECT
injects regressions into it). --history records the run (.perfgate/history.db) for
`perfgate history`; --baseline history:main compares with the last passing runs on main.
"""

from pathlib import Path

from build_pipeline_user import BuildPipelineUser
from deployment_user import DeploymentUser
from devops_user import DevOpsApiUser
from reporting_user import ReportingUser

import perfgate
from perfgate.demo.embed import serve_demo_api_when_no_host

perfgate.set_defaults(thresholds=Path(__file__).resolve().parent.parent / "thresholds" / "nightly.yaml")
serve_demo_api_when_no_host()

__all__ = ["BuildPipelineUser", "DeploymentUser", "DevOpsApiUser", "ReportingUser"]
