"""gated.py with Locust's own RequestStats.log_request put back: perfgate loaded and every other
patch and listener in place, but no name redacted and no response time kept for its histograms."""

from bare import HealthzSaturator
from locust.stats import RequestStats

_locust_log_request = RequestStats.log_request

import perfgate  # noqa: E402

RequestStats.log_request = _locust_log_request  # type: ignore[method-assign]

__all__ = ["HealthzSaturator", "perfgate"]
