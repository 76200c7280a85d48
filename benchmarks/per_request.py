"""7. The per-request path on a worker: what perfgate adds to each request, in nanoseconds, beside
Locust's own cost of recording it. Locust records every request with `RequestStats.log_request`
(the response time's bucket, then the endpoint's entry and the total); perfgate replaces it with one
that redacts names and also counts the request in its own three-digit histogram of the entry
(locust/histograms.py), and wraps HttpSession.request for the request timeout.

Measured in a child process (it imports Locust), on the same 100,000 recorded-like requests over 15
names, the arms in turn in each round, over several rounds: each arm's median, and perfgate's cost as
the median of the rounds' differences: `python -m benchmarks per_request`.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REQUESTS = 100_000
NAMES = 15


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "per_request.json"
    rounds = "3" if quick else "15"
    command = [sys.executable, "-m", "benchmarks.per_request", "--rounds", rounds, "--out", str(out)]
    subprocess.run(command, check=True, timeout=600, stdin=subprocess.DEVNULL)
    return json.loads(out.read_text())


def _time_each(arms: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    """ns per call of each arm's callable over every sample, per round, arms interleaved per round."""
    times: dict[str, list[float]] = {name: [] for name in arms}
    for _ in range(rounds):
        for name, run in arms.items():
            began = time.perf_counter()
            count = run()
            times[name].append((time.perf_counter() - began) / count * 1e9)
    return times


def _medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: round(statistics.median(values), 1) for name, values in times.items()}


def _paired_difference(times: dict[str, list[float]], base: str, other: str) -> float:
    """The median of the per-round differences: the two arms of a round ran seconds apart, so a
    slower minute of this shared machine slows both."""
    return round(statistics.median(b - a for a, b in zip(times[base], times[other], strict=True)), 1)


def run(rounds: int) -> dict[str, Any]:
    import locust.stats  # Locust's own functions, before perfgate replaces them

    locust_bucket = locust.stats.bucket_response_time
    locust_log = locust.stats.RequestStats.log_request
    from locust.clients import HttpSession

    from perfgate.core.buckets import bucket_ms
    from perfgate.locust import patches

    draw = random.Random(11)
    names = [f"/api/v1/endpoint-{i}/:id" for i in range(NAMES)]
    samples = [
        (draw.choice(("GET", "POST")), draw.choice(names), draw.lognormvariate(2.5, 0.8), 512) for _ in range(REQUESTS)
    ]
    times = [sample[2] for sample in samples]

    def recording(log: Any) -> Any:
        def record() -> int:
            locust.stats.RequestStats.log_request = log
            stats = locust.stats.RequestStats()
            for method, name, response_time, length in samples:
                stats.log_request(method, name, response_time, length)
            stats.perfgate_buckets.report()  # perfgate counts in batches: the counting is part of the cost
            return len(samples)

        return record

    def bucketing(bucket: Any) -> Any:
        def each() -> int:
            for response_time in times:
                bucket(response_time)
            return len(times)

        return each

    def session_call(wrapped: bool) -> Any:
        """The timeout wrapper's frame alone: the session's own request stubbed out."""
        session = HttpSession.__new__(HttpSession)
        original = patches._http_request

        def each() -> int:
            patches._http_request = lambda self, method, url, *args, **kwargs: None
            patches.RequestTimeout.seconds = 30.0
            call = patches._request_with_timeout if wrapped else patches._http_request
            for _ in range(len(samples)):
                call(session, "GET", "/x")
            patches._http_request = original
            return len(samples)

        return each

    per_request = _time_each(
        {
            "bare": recording(locust_log),
            "perfgate": recording(patches._log_redacted_request),
        },
        rounds,
    )
    buckets = _time_each({"locust": bucketing(locust_bucket), "perfgate": bucketing(bucket_ms)}, rounds)
    timeout = _time_each({"direct": session_call(False), "wrapped": session_call(True)}, rounds)
    return {
        "requests": REQUESTS,
        "names": NAMES,
        "rounds": rounds,
        "log_request_ns": _medians(per_request),
        "overhead_ns": _paired_difference(per_request, "bare", "perfgate"),
        "bucket_function_ns": _medians(buckets),
        "timeout_wrapper_ns": _paired_difference(timeout, "direct", "wrapped"),
    }


def summary(data: dict[str, Any]) -> list[str]:
    log = data["log_request_ns"]
    return [
        f"Recording one request (RequestStats.log_request, {data['requests']:,} requests over {data['names']} names,"
        f" median of {data['rounds']} rounds): bare Locust {log['bare']:.0f} ns,"
        f" with perfgate {log['perfgate']:.0f} ns:"
        f" **{data['overhead_ns']:+.0f} ns per request**, the median of the rounds' differences (the request"
        " counted in perfgate's three-digit histogram beside Locust's entry, names redacted).",
        f"The bucket function alone: Locust's {data['bucket_function_ns']['locust']:.0f} ns (twice per request),"
        f" perfgate's {data['bucket_function_ns']['perfgate']:.0f} ns (once). HttpUser only: the"
        f" request-timeout wrapper adds {data['timeout_wrapper_ns']:.0f} ns per request.",
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.per_request")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    arguments.out.write_text(json.dumps(run(arguments.rounds), indent=2))
