"""Loaded beside the guide's scripts, unmodified: `locust -f gate.py,devops_api_user.py,...`."""

import perfgate  # noqa: F401  (registers the gate)
