"""The same master with perfgate loaded, judging benchmarks/locustfiles/master.yaml."""

from master_bare import BuildPipelineUser, DeploymentUser, DevOpsApiUser, ReportingUser

import perfgate

__all__ = ["BuildPipelineUser", "DeploymentUser", "DevOpsApiUser", "ReportingUser", "perfgate"]
