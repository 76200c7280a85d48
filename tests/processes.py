"""Starting real processes from tests: bounded in time, always stopped by PID (process group)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LOCUSTFILES = REPO / "locustfiles"


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_bounded(command: list[str], timeout_s: float, cwd: Path, env: dict[str, str] | None = None) -> Finished:
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return Finished(process.returncode, stdout, stderr)


def run_locust(
    locustfile: Path, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout_s: float = 240
) -> Finished:
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary", *args]
    return run_bounded(command, timeout_s, cwd, env)


def get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def free_port() -> int:
    """A port nothing listens on now, for servers a test starts on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def forked_workers() -> list[str]:
    """Locust options for `--processes 2` on a master port of its own on 127.0.0.1 (two such runs on
    Locust's default port would share one master)."""
    port = str(free_port())
    bind = ["--master-bind-host", "127.0.0.1", "--master-bind-port", port]
    return ["--processes", "2", *bind, "--master-host", "127.0.0.1", "--master-port", port]


def start_locust(locustfile: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A Locust process in the background (its own process group, output in cwd/locust.log);
    stop it with stop_processes in a finally."""
    cwd.mkdir(parents=True, exist_ok=True)
    with (cwd / "locust.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(locustfile), *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_processes(processes: list[subprocess.Popen]) -> None:
    """Each process's group killed if still running; its pipes, if any, drained."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
