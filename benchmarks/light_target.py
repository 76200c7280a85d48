"""A target that costs far less CPU per request than the generator that loads it, and counts
what it served.

The side-by-side overhead setup measures the generators' cost per request only while the target
has CPU to spare: the demo API's /healthz on gevent's WSGI server costs about as much CPU per
request as a FastHttpUser generator does to send it, so two of them on one CPU ran at 93% and
partly set the rate. This one answers every request with the same small JSON body from an asyncio
protocol (HTTP/1.1 keep-alive, requests without a body): 16 µs of CPU a request here against
the demo API's 140 µs.

It also answers how many responses it has sent so far, so that two generators can be compared
over one window of time, read at the same instant on both targets. Locust's stats history cannot
do that: it writes its running total once a second from a greenlet that a saturated generator
runs late, by up to a second, so two generators' totals at "the same second" were taken up to a
second apart (a few percent of a 10 s window, differently in each process).

Run as `python -m benchmarks.light_target`: it prints its URL, answers every line on its
standard input with the count of responses sent, and exits when its standard input closes, so
that it cannot outlive the benchmark that started it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from dataclasses import dataclass

READY_PREFIX = "light target: listening on "
BODY = b'{"status":"ok"}'
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)


class Served:
    """Responses sent by every connection of one target (read from the stdin thread: an int
    attribute is read whole under the GIL)."""

    def __init__(self) -> None:
        self.count = 0


class Responder(asyncio.Protocol):
    def __init__(self, served: Served) -> None:
        self.served = served

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        # one response per complete request head: a generator may pipeline several in one read
        answered = self.pending.count(b"\r\n\r\n")
        if answered:
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * answered)
            self.served.count += answered


def answer_counts(served: Served, loop: asyncio.AbstractEventLoop, closed: asyncio.Event) -> None:
    for _ in sys.stdin:
        print(served.count, flush=True)
    loop.call_soon_threadsafe(closed.set)


async def serve() -> None:
    loop = asyncio.get_running_loop()
    served = Served()
    server = await loop.create_server(lambda: Responder(served), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"{READY_PREFIX}http://127.0.0.1:{port}", flush=True)
    closed = asyncio.Event()
    threading.Thread(target=answer_counts, args=(served, loop, closed), daemon=True).start()
    async with server:
        await closed.wait()


@dataclass
class LightTarget:
    """A light target running in a child process."""

    process: subprocess.Popen[bytes]
    url: str

    def served(self) -> int:
        """Responses it has sent so far."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the light target at {self.url} did not answer with a count: {line!r}")
        return int(line)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Closing its standard input ends it; killed if it has not ended after `timeout_s`."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout_s)


def start_light_target(timeout_s: float = 30.0) -> LightTarget:
    """The light target in a child process on a free loopback port, ready when this returns."""
    command = [sys.executable, "-m", "benchmarks.light_target"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = threading.Timer(timeout_s, process.kill)  # a target that never prints ends the wait
    ready.start()
    try:
        line = process.stdout.readline().decode()
    finally:
        ready.cancel()
    if not line.startswith(READY_PREFIX):
        process.kill()
        raise RuntimeError(f"the light target did not start within {timeout_s:g} s: it printed {line!r}")
    return LightTarget(process, line[len(READY_PREFIX) :].strip())


if __name__ == "__main__":
    asyncio.run(serve())
