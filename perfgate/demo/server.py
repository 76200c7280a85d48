"""`perfgate demo-api`: the demo DevOps API behind gevent's WSGI server.

gevent.pywsgi is the server behind gunicorn's gevent workers and is already one of our
dependencies. Two things make it measure the API and not itself:
- TCP_NODELAY on every accepted socket: pywsgi sends headers and body in separate writes, and
  with Nagle's algorithm plus the client's delayed ACK that costs ~40 ms per response.
- Handlers run in a thread pool: SQLite and PBKDF2 release the GIL, so a slow report query or a
  password hash does not stall every other connection's event loop.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import gevent
import gevent.event
from gevent.pywsgi import WSGIHandler, WSGIServer

from perfgate.demo.app import DemoApi, Request, Response
from perfgate.demo.database import Database, create_and_seed, drop_report_indexes
from perfgate.demo.injections import ROUTED, Injection, InjectionError, parse_injections
from perfgate.demo.security import SLOW_AUTH_FACTOR

READY_PREFIX = "perfgate demo-api: listening on "
ROTATE_ENV = "PERFGATE_DEMO_ROTATE_REFRESH_TOKENS"
HTTP_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
}
log = logging.getLogger("perfgate.demo")


class NoDelayHandler(WSGIHandler):
    def __init__(self, sock: socket.socket, address: Any, server: Any, rfile: Any = None) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, address, server, rfile)


class DemoWsgiApp:
    """WSGI adapter: parses the request, applies injections, runs the API in the thread pool."""

    def __init__(self, api: DemoApi, injections: list[Injection], run_in_thread: Callable[..., Any]) -> None:
        self.api = api
        self.injections = [i for i in injections if i.kind in ROUTED]
        self.all_injections = injections
        self.run_in_thread = run_in_thread
        self.started = time.monotonic()
        self.requests_served = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        trickle_ms = 0.0
        if path == "/healthz":
            response = Response(200, self.health())
        else:
            self.requests_served += 1
            response, trickle_ms = self.serve(environ, method, path)
        body = response.encoded()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *response.headers]
        start_response(f"{response.status} {HTTP_REASONS.get(response.status, '')}", headers)
        return trickled(body, trickle_ms) if trickle_ms else [body]

    def health(self) -> dict[str, Any]:
        uptime = time.monotonic() - self.started
        return {
            "status": "ok",
            "uptime_s": round(uptime, 3),
            "requests_served": self.requests_served,
            "injections": [i.describe() for i in self.all_injections],
            "active_injections": [i.describe() for i in self.all_injections if i.active(uptime)],
        }

    def serve(self, environ: dict[str, Any], method: str, path: str) -> tuple[Response, float]:
        """The response, and how many ms to wait before each byte of its body (trickle)."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key[:5] == "HTTP_"}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        request = Request(method, path, query, headers, environ["wsgi.input"].read(length) if length else b"")
        resolved = self.api.resolve(method, path)
        route_name = resolved[0].template if resolved[0] else path
        uptime = time.monotonic() - self.started
        active = [i for i in self.injections if i.active(uptime) and i.matches(method, route_name)]
        delay_ms = sum(i.delay_ms(uptime) for i in active)
        trickle_ms = sum(i.amount for i in active if i.kind == "trickle")
        if delay_ms:
            gevent.sleep(delay_ms / 1000.0)
        burn_ms = sum(i.amount for i in active if i.kind == "cpu")
        if burn_ms:
            burn(burn_ms)
        if any(i.kind == "errors" and random.random() * 100 < i.amount for i in active):
            return Response(500, {"error": "injected_error", "message": "injected by errors:"}), trickle_ms
        try:
            return self.run_in_thread(self.api.handle, (request, resolved)), trickle_ms
        except Exception:
            log.error("unhandled error in %s %s\n%s", method, path, traceback.format_exc())
            failed = {"error": "internal_error", "message": "the server failed to handle the request"}
            return Response(500, failed), trickle_ms


def burn(milliseconds: float) -> None:
    """Busy on the CPU for that long, holding the event loop as CPU-bound server code does."""
    end = time.perf_counter() + milliseconds / 1000.0
    while time.perf_counter() < end:
        pass


def trickled(body: bytes, every_ms: float) -> Iterator[bytes]:
    """The body one byte at a time, each after `every_ms`: a server that never stops answering."""
    for index in range(len(body)):
        gevent.sleep(every_ms / 1000.0)
        yield body[index : index + 1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfgate demo-api", description="Run the demo DevOps API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)")
    parser.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="SPEC",
        help="latency:<route glob>:<ms>, errors:<route glob>:<percent>, trickle:<route glob>:<ms per byte>, "
        "drop-index or slow-auth; latency, errors and trickle take :after=<duration> / :until=<duration>. Repeatable; "
        "env PERFGATE_DEMO_INJECT adds more, separated by ';'.",
    )
    parser.add_argument("--token-ttl", type=float, default=30.0, help="access token lifetime in seconds (30)")
    parser.add_argument(
        "--rotate-refresh-tokens",
        action="store_true",
        default=os.environ.get(ROTATE_ENV, "").lower() in ("1", "true", "yes"),
        help=f"each refresh returns a new refresh token and refuses the used one (env {ROTATE_ENV}=1); "
        "by default a refresh token stays valid until it expires",
    )
    parser.add_argument("--threads", type=int, default=8, help="handler threads (8)")
    parser.add_argument("--exit-with-parent", action="store_true", help="exit when standard input closes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    env_specs = os.environ.get("PERFGATE_DEMO_INJECT", "")
    try:
        injections = parse_injections([*args.inject, env_specs])
    except InjectionError as exc:
        print(f"perfgate demo-api: {exc}", file=sys.stderr)
        return 2
    kinds = {i.kind for i in injections}
    workdir = tempfile.mkdtemp(prefix="perfgate-demo-")
    try:
        db_path = os.path.join(workdir, "devops.db")
        create_and_seed(db_path)
        if "drop-index" in kinds:
            drop_report_indexes(db_path)
        auth_cost = SLOW_AUTH_FACTOR if "slow-auth" in kinds else 1
        api = DemoApi(Database(db_path), args.token_ttl, auth_cost, args.rotate_refresh_tokens)
        hub = gevent.get_hub()
        hub.threadpool.maxsize = args.threads
        app = DemoWsgiApp(api, injections, hub.threadpool.apply)
        server = WSGIServer((args.host, args.port), app, handler_class=NoDelayHandler, log=None, spawn=10_000)
        server.start()
        host, port = server.address[:2]
        described = ", ".join(i.describe() for i in injections) or "none"
        refresh = "rotating" if args.rotate_refresh_tokens else "valid until they expire"
        print(f"{READY_PREFIX}http://{host}:{port} (injections: {described}; refresh tokens {refresh})", flush=True)
        stop = gevent.event.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, stop.set)
        if args.exit_with_parent:
            threading.Thread(target=_wait_for_stdin_eof, daemon=True).start()
        app.started = time.monotonic()
        stop.wait()
        server.stop(timeout=2)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_stdin_eof() -> None:
    # os.read, not sys.stdin: a daemon thread blocked in a buffered reader aborts interpreter exit.
    while os.read(0, 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main())
