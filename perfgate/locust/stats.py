"""Locust's statistics as perfgate's data: snapshots of the cumulative per-endpoint stats, and the
most frequent error messages of each endpoint."""

from __future__ import annotations

from typing import Any

from locust.stats import StatsError

from perfgate.core.model import EndpointStats, Snapshot
from perfgate.core.naming import endpoint_key
from perfgate.locust.histograms import FineHistograms

TOP_ERRORS = 3
MAX_ERROR_CHARS = 300  # an HTML error page in an exception message must not flood the report


def _endpoint(entry: Any, fine: FineHistograms) -> EndpointStats:
    return EndpointStats(
        method=entry.method or "",
        name=entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        histogram=_histogram(entry, fine),
        total_response_time=entry.total_response_time,
        min_response_time=entry.min_response_time,
        max_response_time=entry.max_response_time,
    )


def _histogram(entry: Any, fine: FineHistograms) -> dict[int | float, int]:
    """perfgate's three-digit histogram of the entry when it holds every timed request of it,
    else Locust's own (a worker that did not load perfgate sent only Locust's)."""
    histogram = fine.histogram((entry.name, entry.method))
    if histogram.total() == sum(entry.response_times.values()):
        return dict(histogram)
    return dict(entry.response_times)


def snapshot_of(stats: Any, at_s: float) -> Snapshot:
    """Locust's cumulative stats `at_s` seconds after the test started, with perfgate's histograms;
    two Locust entries that are one endpoint ("POST /x" and "/x" with method POST) as one. The
    aggregate is the sum of the endpoints."""
    endpoints: dict[str, EndpointStats] = {}
    for entry in stats.entries.values():
        endpoint = _endpoint(entry, stats.perfgate_buckets)
        earlier = endpoints.get(endpoint.key)
        endpoints[endpoint.key] = earlier.plus(endpoint) if earlier else endpoint
    return Snapshot(endpoints, EndpointStats.summed(endpoints.values(), stats.total.name), at_s, at_s)


def top_errors(errors: Any, count: int = TOP_ERRORS) -> dict[str, list[dict[str, Any]]]:
    """The most frequent error messages of each endpoint (Locust's StatsError entries; names and
    messages were redacted as they were logged)."""
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for error in errors:
        key = endpoint_key(error.method or "", error.name)
        message = StatsError.parse_error(error.error)
        by_endpoint.setdefault(key, []).append({"message": shortened(message), "count": error.occurrences})
    return {key: sorted(found, key=lambda e: -e["count"])[:count] for key, found in by_endpoint.items()}


def shortened(message: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Head and tail of a long message: requests nests the cause ("Connection refused") at the end."""
    if len(message) <= limit:
        return message
    head = limit * 2 // 5
    return f"{message[:head]} ... {message[-(limit - head - 5) :]}"
