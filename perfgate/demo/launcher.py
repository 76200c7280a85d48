"""Starts the demo API in a child process on a free loopback port (for locustfiles and tests).

The child exits when its standard input closes, so it cannot outlive the process that started it
even when that one is killed with SIGKILL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass

from perfgate.demo.server import READY_PREFIX


class DemoApiError(RuntimeError):
    pass


@dataclass
class DemoApiProcess:
    process: subprocess.Popen[bytes]
    url: str
    banner: str

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def start_demo_api(
    injections: list[str] | None = None,
    token_ttl_s: float | None = None,
    env: dict[str, str] | None = None,
    timeout_s: float = 60.0,
    rotate_refresh_tokens: bool = False,
    port: int = 0,
) -> DemoApiProcess:
    """The demo API on `port` (0: a free one), ready when this returns."""
    command = [sys.executable, "-m", "perfgate", "demo-api", "--host", "127.0.0.1", "--port", str(port)]
    command.append("--exit-with-parent")
    for spec in injections or []:
        command += ["--inject", spec]
    if token_ttl_s is not None:
        command += ["--token-ttl", str(token_ttl_s)]
    if rotate_refresh_tokens:
        command.append("--rotate-refresh-tokens")
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    watchdog = threading.Timer(timeout_s, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode(errors="replace").strip()
    finally:
        watchdog.cancel()
    if not line.startswith(READY_PREFIX):
        process.kill()
        process.wait()
        raise DemoApiError(f"the demo API did not start (exit code {process.returncode}); see its messages above")
    url = line[len(READY_PREFIX) :].split()[0]
    return DemoApiProcess(process, url, line)
