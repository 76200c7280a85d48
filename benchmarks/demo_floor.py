"""The demo API's latency floor: one keep-alive connection, sequential requests, no load.

    python -m benchmarks.demo_floor [--requests 500]

A server that sends headers and body in separate TCP writes without TCP_NODELAY shows ~40 ms here
(Nagle + delayed ACK); the demo API must show well under a millisecond on trivial routes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from urllib.parse import urlsplit

from perfgate.demo.launcher import start_demo_api

ROUTES = ("/healthz", "/api/v1/builds/9001/status", "/api/v1/projects")


def measure(url: str, requests: int) -> dict[str, dict[str, float]]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    login = {"email": "ci-bot@example.com", "password": "SuperSecurePassword123!"}
    connection.request("POST", "/api/v1/auth/login", json.dumps(login), {"Content-Type": "application/json"})
    token = json.loads(connection.getresponse().read())["access_token"]
    figures = {}
    for route in ROUTES:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", route, headers={"Authorization": f"Bearer {token}"})
            connection.getresponse().read()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        figures[route] = {q: round(times[int(len(times) * p) - 1], 3) for q, p in (("p50", 0.5), ("p95", 0.95))}
    connection.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    demo = start_demo_api()
    try:
        print(
            json.dumps(
                {"unit": "ms", "requests_per_route": args.requests, **measure(demo.url, args.requests)}, indent=2
            )
        )
    finally:
        demo.stop()


if __name__ == "__main__":
    main()
