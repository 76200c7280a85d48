"""A target that costs far less CPU per request than the generator that loads it.

The side-by-side overhead setup measures the generators' cost per request only while the target
has CPU to spare: the demo API's /healthz on gevent's WSGI server costs about as much CPU per
request as a FastHttpUser generator does to send it, so two of them on one CPU ran at 93% and
partly set the rate. This one answers every request with the same small JSON body from an asyncio
protocol (HTTP/1.1 keep-alive, requests without a body): 16 µs of CPU a request here against
the demo API's 140 µs.

Run as `python -m benchmarks.light_target`: it prints its URL and exits when its standard input
closes, so that it cannot outlive the benchmark that started it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

from perfgate.demo.launcher import DemoApiProcess

READY_PREFIX = "light target: listening on "
BODY = b'{"status":"ok"}'
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)


class Responder(asyncio.Protocol):
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


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Responder, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"{READY_PREFIX}http://127.0.0.1:{port}", flush=True)
    closed = asyncio.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(closed.set)), daemon=True).start()
    async with server:
        await closed.wait()


def start_light_target() -> DemoApiProcess:
    """The light target in a child process on a free loopback port, ready when this returns."""
    command = [sys.executable, "-m", "benchmarks.light_target"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    if not line.startswith(READY_PREFIX):
        process.kill()
        raise RuntimeError(f"the light target did not start: it printed {line!r}")
    return DemoApiProcess(process, line[len(READY_PREFIX) :].strip(), line.strip())


if __name__ == "__main__":
    asyncio.run(serve())
