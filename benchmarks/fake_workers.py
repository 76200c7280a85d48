"""N simulated Locust workers in one process, for the simulated-master benchmark:

    python -m benchmarks.fake_workers --port PORT --workers N --payloads FILE --arm bare|perfgate --out FILE

Each speaks Locust's own protocol to the master (locust.rpc): `client_ready` until the master's
`ack`, a heartbeat every second, `spawning` and `spawning_complete` on a spawn, a `stats` message
every 3 s replaying a real worker's recorded payloads (stamped with the time it was sent, so the
master can tell how late it handles it), and `quit` when the master says quit. What each sent is
written to --out. Bounded: every worker stops after --timeout seconds whatever the master does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
import msgpack
from locust import __version__
from locust.rpc import Message, zmqrpc

HEARTBEAT_S = 1.0
REPORT_S = 3.0


class FakeWorker:
    def __init__(self, index: int, port: int, payloads: list[dict[str, Any]]) -> None:
        self.id = f"fake-worker-{index}_{os.getpid()}"
        self.client = zmqrpc.Client("127.0.0.1", port, self.id)
        self.payloads = payloads
        self.offset = index  # workers replay the recording from different points
        self.state = "ready"
        self.users: dict[str, int] = {}
        self.done = gevent.event.Event()
        self.sent = {"stats": 0, "heartbeat": 0, "bytes": 0}

    def send(self, kind: str, data: Any) -> None:
        message = Message(kind, data, self.id)
        if kind == "stats":
            self.sent["bytes"] += len(message.serialize())
        self.client.send(message)
        self.sent[kind] = self.sent.get(kind, 0) + 1

    def run(self, timeout_s: float) -> None:
        self.send("client_ready", __version__)
        loops = [gevent.spawn(self.listen), gevent.spawn(self.heartbeats), gevent.spawn(self.report)]
        self.done.wait(timeout_s)
        gevent.killall(loops, block=False)
        self.client.close()

    def listen(self) -> None:
        while not self.done.is_set():
            message = self.client.recv()
            if message.type == "spawn":
                self.send("spawning", None)
                self.users = dict(message.data["user_classes_count"])
                self.state = "running"
                self.send(
                    "spawning_complete", {"user_classes_count": self.users, "user_count": sum(self.users.values())}
                )
            elif message.type == "stop":
                self.state = "stopped"
                self.send("client_stopped", None)
            elif message.type == "quit":
                self.report_once()  # the final report a worker sends on quit
                self.send("quit", None)
                self.done.set()

    def heartbeats(self) -> None:
        while not self.done.is_set():
            self.send("heartbeat", {"state": self.state, "current_cpu_usage": 20.0, "current_memory_usage": 60_000_000})
            gevent.sleep(HEARTBEAT_S)

    def report(self) -> None:
        gevent.sleep(random.uniform(0, REPORT_S))  # real workers report out of step with each other
        while not self.done.is_set():
            if self.state == "running":
                self.report_once()
            gevent.sleep(REPORT_S)

    def report_once(self) -> None:
        payload = self.payloads[self.offset % len(self.payloads)]
        self.offset += 1
        users = {"user_classes_count": self.users, "user_count": sum(self.users.values())}
        self.send("stats", {**payload, **users, "sent_at": time.time()})


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fake_workers")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--payloads", type=Path, required=True)
    parser.add_argument("--arm", choices=("bare", "perfgate"), required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    payloads = msgpack.loads(args.payloads.read_bytes(), strict_map_key=False)[args.arm]
    workers = [FakeWorker(index, args.port, payloads) for index in range(args.workers)]
    gevent.joinall([gevent.spawn(worker.run, args.timeout) for worker in workers])
    sent = {key: sum(worker.sent.get(key, 0) for worker in workers) for key in ("stats", "heartbeat", "bytes")}
    args.out.write_text(json.dumps({"workers": len(workers), "sent": sent}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
