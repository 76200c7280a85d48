"""What perfgate changes in Locust itself, on every process (workers report what they logged, so
the master's merged stats and Locust's own tables, CSV and web UI see the same):

- `locust.stats.bucket_response_time`, documented as replaceable: three-digit buckets (core.buckets)
  for every endpoint's entry; Locust's total ("Aggregated") keeps Locust's own rounding;
- `RequestStats.log_request` / `log_error`: secrets and control characters out of request names,
  request types and error messages before Locust keeps them (core.redact, core.inert);
- `locust.runners.MASTER_HEARTBEAT_TIMEOUT`: a worker whose master has died (SIGKILL, a node
  lost) quits after MASTER_LOST_AFTER_S without its heartbeat instead of Locust's 60 s, so that a CI
  job does not wait a minute per worker; the master sends one every second;
- `HttpSession.request` and FastHttpUser's timeouts: settings.request_timeout, since HttpUser waits
  for ever on a server that accepts and never answers; for HttpUser also a deadline on the whole
  response (`HttpSession._send_request_safe_mode`), since requests' timeout is per read and a
  server that trickles its body one byte at a time never trips it.
"""

from __future__ import annotations

from typing import Any

import gevent
import locust.runners
import locust.stats
import requests
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpUser
from locust.stats import RequestStats, StatsError

from perfgate.core.buckets import bucket_ms
from perfgate.core.inert import inert
from perfgate.core.redact import RedactedNames, redact
from perfgate.locust import MASTER_LOST_AFTER_S


class RequestTimeout:
    """settings.request_timeout, once a profile applies (None before: Locust's own behaviour)."""

    seconds: float | None = None

    @classmethod
    def apply(cls, seconds: float) -> None:
        """A request's own timeout= still wins, and a FastHttpUser class that sets its own keeps it."""
        cls.seconds = seconds
        FastHttpUser.network_timeout = FastHttpUser.connection_timeout = seconds


_log_error, _http_request = RequestStats.log_error, HttpSession.request
LOCUST_BUCKETS = locust.stats.bucket_response_time  # Locust's rounding, for its total
_http_send = HttpSession._send_request_safe_mode


class RequestDeadline(requests.exceptions.Timeout):
    """settings.request_timeout passed before the whole response came: a requests failure, which
    Locust records against the request's name."""


_NAMES = RedactedNames()


def _log_redacted_request(
    self: RequestStats,
    method: str,
    name: str,
    response_time: int,
    length: int,
    _clean: RedactedNames = _NAMES,
    _stats: Any = locust.stats,
) -> None:
    """Locust's own log_request (the total, then the endpoint's entry) with the name redacted, and
    the total ("Aggregated") on Locust's own buckets: perfgate reads every percentile from the
    endpoints, the aggregate's too (their sum), and three-digit buckets in the total were most of
    the extra bytes, and of the master's merging, in a worker's stats message."""
    _stats.bucket_response_time = LOCUST_BUCKETS
    self.total.log(response_time, length)
    _stats.bucket_response_time = bucket_ms
    self.entries[(_clean[name], _clean[method])].log(response_time, length)


def _log_redacted_error(self: RequestStats, method: str, name: str, error: Exception | str | None) -> None:
    _log_error(self, _NAMES[method], _NAMES[name], redact(inert(StatsError.parse_error(error))))


def _request_with_timeout(self: HttpSession, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
    if RequestTimeout.seconds is not None and "timeout" not in kwargs:
        kwargs["timeout"] = RequestTimeout.seconds
    return _http_request(self, method, url, *args, **kwargs)


def _send_within_deadline(self: HttpSession, method: str, url: str, **kwargs: Any) -> Any:
    """The network part of a request, within settings.request_timeout in all when that is its
    timeout (a request's own timeout= keeps requests' per-read meaning)."""
    seconds = RequestTimeout.seconds
    if seconds is None or kwargs.get("timeout") != seconds:
        return _http_send(self, method, url, **kwargs)
    late = RequestDeadline(f"timed out: no whole response within settings.request_timeout ({seconds:g} s)")
    with gevent.Timeout(seconds, late):
        return _http_send(self, method, url, **kwargs)


def install() -> None:
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_LOST_AFTER_S
    locust.stats.bucket_response_time = bucket_ms
    RequestStats.log_request = _log_redacted_request  # type: ignore[method-assign]
    RequestStats.log_error = _log_redacted_error  # type: ignore[method-assign]
    HttpSession.request = _request_with_timeout  # type: ignore[method-assign]
    HttpSession._send_request_safe_mode = _send_within_deadline  # type: ignore[method-assign]
