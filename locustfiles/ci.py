"""The CI smoke gate: the four flows of the DevOps API against thresholds/ci.yaml.

    locust -f locustfiles/ci.py --headless

With no --host the demo API is started on a free 127.0.0.1 port for the run
(PERFGATE_DEMO_INJECT injects regressions into it); --thresholds picks another profile.
"""

from pathlib import Path

from build_pipeline_user import BuildPipelineUser
from deployment_user import DeploymentUser
from devops_user import DevOpsApiUser
from reporting_user import ReportingUser

import perfgate
from perfgate.demo.embed import serve_demo_api_when_no_host

perfgate.set_defaults(thresholds=Path(__file__).resolve().parent.parent / "thresholds" / "ci.yaml")
serve_demo_api_when_no_host()

__all__ = ["BuildPipelineUser", "DeploymentUser", "DevOpsApiUser", "ReportingUser"]
