"""What perfgate changes in Locust itself, on every process:

- `RequestStats`: every stats object gets perfgate's three-digit histograms (locust/histograms.py)
  beside Locust's own, fed by `log_request` and cleared with Locust's (`reset_all`,
  `clear_all`); Locust's entries keep Locust's rounding;
- `RequestStats.log_request` / `log_error`: secrets and control characters out of request names,
  request types and error messages before Locust keeps them (core.redact, core.inert);
- `locust.runners.MASTER_HEARTBEAT_TIMEOUT`: a worker whose master has died (SIGKILL, a node
  lost) quits after MASTER_LOST_AFTER_S without its heartbeat instead of Locust's 60 s, so that a CI
  job does not wait a minute per worker; the master sends one every second;
- `HttpSession.request` and FastHttpUser's timeouts: settings.request_timeout, since HttpUser waits
  for ever on a server that accepts and never answers; for HttpUser also a deadline on the whole
  response (`HttpSession._send_request_safe_mode`), since requests' timeout is per read and a
  server that trickles its body one byte at a time never trips it;
- `locust.argument_parser.default_args_dict`: built once per process. A worker handling a `spawn`
  message builds Locust's whole argument parser again for each option the master sent (81 in a
  run with perfgate), 120-250 ms in which its users' response times run on and its heartbeats
  wait, at every change of a load shape's users (docs/design/locust.md).
"""

from __future__ import annotations

from functools import cache
from math import isfinite
from typing import Any

import gevent
import locust.runners
import requests
from locust import argument_parser
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpUser
from locust.stats import RequestStats, StatsError

from perfgate.core.inert import inert
from perfgate.core.redact import RedactedNames, redact
from perfgate.locust import MASTER_LOST_AFTER_S
from perfgate.locust.histograms import COUNT_EVERY, FineHistograms


class RequestTimeout:
    """settings.request_timeout, once a profile applies (None before: Locust's own behaviour)."""

    seconds: float | None = None

    @classmethod
    def apply(cls, seconds: float) -> None:
        """A request's own timeout= still wins, and a FastHttpUser class that sets its own keeps it."""
        cls.seconds = seconds
        FastHttpUser.network_timeout = FastHttpUser.connection_timeout = seconds


_log_error, _http_request = RequestStats.log_error, HttpSession.request
_http_send = HttpSession._send_request_safe_mode
_stats_init, _reset_all_locust = RequestStats.__init__, RequestStats.reset_all
_clear_all_locust = RequestStats.clear_all
_locust_defaults = cache(argument_parser.default_args_dict)


class RequestDeadline(requests.exceptions.Timeout):
    """settings.request_timeout passed before the whole response came: a requests failure, which
    Locust records against the request's name."""


_NAMES = RedactedNames()


def _log_redacted_request(
    self: RequestStats,
    method: str,
    name: str,
    response_time: float | None,
    length: int | None,
    _clean: RedactedNames = _NAMES,
) -> None:
    """Locust's own log_request (the total, then the endpoint's entry) with the name redacted,
    and the response time kept for perfgate's three-digit histogram of the entry, which counts
    them in batches."""
    key = (_clean[name], _clean[method])
    if length is None or (response_time is not None and not isfinite(response_time)):
        raise ValueError(_refused(key, response_time, length))
    self.total.log(response_time, length)
    self.entries[key].log(response_time, length)
    if response_time is not None:  # Locust counts such a request but has no time for it
        waiting = self.perfgate_buckets.waiting[key]
        waiting.append(response_time)
        if len(waiting) >= COUNT_EVERY:
            self.perfgate_buckets.count_waiting(key)


def _refused(key: tuple[str, str], response_time: float | None, length: int | None) -> str:
    """Why a request is not counted. Locust would count a response time that is not finite and
    crash on it in its final summary, losing the exit code; a length of None fails in Locust's
    own counting (a TypeError in locust/stats.py, which names neither the request nor the field)."""
    if length is None:
        wrong = "a response_length of None; it takes a number of bytes, 0 when there is none"
    else:
        wrong = f"a response time of {response_time} ms; it takes finite milliseconds, or None when there is none"
    return f"{key[1]} {key[0]}: events.request reported {wrong}: this request is not counted"


def _stats_with_buckets(self: RequestStats, *args: Any, **kwargs: Any) -> None:
    _stats_init(self, *args, **kwargs)
    self.perfgate_buckets = FineHistograms()


def _reset_all(self: RequestStats) -> None:
    _reset_all_locust(self)
    self.perfgate_buckets.clear()


def _clear_all(self: RequestStats) -> None:
    _clear_all_locust(self)
    self.perfgate_buckets.clear()


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


def _default_args_built_once() -> dict[str, Any]:
    """Locust's own options and their defaults, which do not change while a process runs; a copy,
    as each of Locust's calls made its own."""
    return dict(_locust_defaults())


def install() -> None:
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_LOST_AFTER_S
    RequestStats.__init__ = _stats_with_buckets  # type: ignore[method-assign]
    RequestStats.reset_all = _reset_all  # type: ignore[method-assign]
    RequestStats.clear_all = _clear_all  # type: ignore[method-assign]
    RequestStats.log_request = _log_redacted_request  # type: ignore[method-assign]
    RequestStats.log_error = _log_redacted_error  # type: ignore[method-assign]
    HttpSession.request = _request_with_timeout  # type: ignore[method-assign]
    HttpSession._send_request_safe_mode = _send_within_deadline  # type: ignore[method-assign]
    argument_parser.default_args_dict = _default_args_built_once
