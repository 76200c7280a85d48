"""What every benchmark part shares: Locust runs as child processes (bounded, stopped by process
group), their throughput and CPU, the machine they ran on, and interval statistics."""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from perfgate.core.sampling import regularized_beta
from perfgate.demo.launcher import start_demo_api

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH_LOCUSTFILES = HERE / "locustfiles"


@dataclass
class LocustRun:
    returncode: int
    requests: int
    rps: float
    cpu_s: float  # user + system seconds of the local runner or master
    elapsed_s: float
    folder: Path
    workers_cpu_s: float = 0.0
    output: str = ""

    @property
    def cpu_percent(self) -> float:
        return round(self.cpu_s / self.elapsed_s * 100, 1) if self.elapsed_s else 0.0

    @property
    def result(self) -> dict[str, Any]:
        return json.loads((self.folder / "reports" / "result.json").read_text())


@dataclass
class LocustCommand:
    locustfile: Path
    host: str
    users: int
    run_time_s: float
    spawn_rate: float | None = None
    workers: int = 0
    user_classes: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cpus: str = ""  # taskset's CPU list for the local runner or master ("": any CPU)

    def base(self) -> list[str]:
        return [sys.executable, "-m", "locust", "-f", str(self.locustfile)]

    def main(self, csv_prefix: Path, master_port: int | None) -> list[str]:
        rate = self.spawn_rate if self.spawn_rate is not None else self.users
        command = [
            *self.base(),
            "--headless",
            "--only-summary",
            "-u",
            str(self.users),
            "-r",
            f"{rate:g}",
            "-t",
            f"{self.run_time_s:g}s",
            "-H",
            self.host,
            "--csv",
            str(csv_prefix),
            *self.extra,
            *self.user_classes,
        ]
        if master_port is not None:
            distributed = ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port)]
            command[len(self.base()) : len(self.base())] = [*distributed, "--expect-workers", str(self.workers)]
        return command

    def worker(self, master_port: int) -> list[str]:
        return [*self.base(), "--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)]


def run_locust(command: LocustCommand, folder: Path) -> LocustRun:
    """Runs to completion (killed at run time + 60 s); CPU from the main process's rusage."""
    from tests.processes import free_port

    folder.mkdir(parents=True, exist_ok=True)
    port = free_port() if command.workers else None
    env = {**os.environ, **command.env}
    spawn = {"cwd": folder, "env": env, "stdin": subprocess.DEVNULL, "start_new_session": True}
    pinned = ["taskset", "-c", command.cpus] if command.cpus else []
    main = subprocess.Popen(
        [*pinned, *command.main(folder / "locust", port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **spawn
    )
    workers = [
        subprocess.Popen(command.worker(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **spawn)
        for _ in range(command.workers)
        if port is not None
    ]
    processes = [main, *workers]
    watchdog = threading.Timer(command.run_time_s + 60, lambda: [kill_group(p) for p in processes])
    watchdog.start()
    begun = time.monotonic()
    try:
        assert main.stdout is not None
        output = main.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(main.pid, 0)
        elapsed = time.monotonic() - begun
        workers_cpu = 0.0
        for worker in workers:
            worker_usage = _reaped(worker, 15)
            workers_cpu += worker_usage.ru_utime + worker_usage.ru_stime
    finally:
        watchdog.cancel()
        for process in processes:
            kill_group(process)
    requests, rps = _totals(folder / "locust_stats.csv")
    return LocustRun(
        returncode=os.waitstatus_to_exitcode(status),
        requests=requests,
        rps=rps,
        cpu_s=usage.ru_utime + usage.ru_stime,
        elapsed_s=elapsed,
        folder=folder,
        workers_cpu_s=workers_cpu,
        output=output,
    )


def _reaped(process: subprocess.Popen[bytes], timeout_s: float) -> resource.struct_rusage:
    """The process's resource usage once it exits, killed after `timeout_s` (a worker whose master
    is gone waits for it forever)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = 0
            return usage
        time.sleep(0.1)
    kill_group(process)
    usage = os.wait4(process.pid, 0)[2]
    process.returncode = -9
    return usage


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def aggregated(stats_csv: Path) -> dict[str, str]:
    """Locust's own Aggregated row of a run's `--csv` stats (empty when there is none)."""
    if not stats_csv.is_file():
        return {}
    with stats_csv.open() as rows:
        return next((row for row in csv.DictReader(rows) if row["Name"] == "Aggregated"), {})


def _totals(stats_csv: Path) -> tuple[int, float]:
    """Requests and requests/s of Locust's own Aggregated row."""
    total = aggregated(stats_csv)
    return (int(total["Request Count"]), float(total["Requests/s"])) if total else (0, 0.0)


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Locust {version('locust')}"
    )


def spread(values: list[float], digits: int = 3) -> dict[str, float]:
    """min / median / max: what noisy machines allow us to report."""
    if not values:
        return {}
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


def pin(pid: int, cpus: str) -> None:
    """Every thread of a running process onto `cpus` (taskset's list)."""
    subprocess.run(["taskset", "--all-tasks", "--pid", "--cpu-list", cpus, str(pid)], check=True, capture_output=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float] | None:
    """Distribution-free interval of the median: the order statistics k and n + 1 - k, k the
    largest whose binomial(n, 1/2) tail is within (1 - confidence) / 2. None below 6 values."""
    ordered = sorted(values)
    n = len(ordered)
    k, tail = 0, 0.0
    while k < n:
        tail += math.comb(n, k) / 2**n
        if tail > (1 - confidence) / 2:
            break
        k += 1
    return (ordered[k - 1], ordered[n - k]) if k else None


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval (the inverse of the regularized incomplete beta, by bisection)."""
    if trials == 0:
        return 0.0, 1.0
    tail = (1 - confidence) / 2

    def inverse(a: float, b: float, target: float) -> float:
        low, high = 0.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            if regularized_beta(a, b, middle) < target:
                low = middle
            else:
                high = middle
        return (low + high) / 2

    lower = 0.0 if successes == 0 else inverse(successes, trials - successes + 1, tail)
    upper = 1.0 if successes == trials else inverse(successes + 1, trials - successes, 1 - tail)
    return lower, upper


def rate(successes: int, trials: int) -> dict[str, Any]:
    """A rate with its Clopper-Pearson 95% interval, in percent."""
    lower, upper = clopper_pearson(successes, trials)
    share = successes / trials * 100 if trials else math.nan
    return {
        "count": successes,
        "of": trials,
        "percent": round(share, 1),
        "ci95": [round(lower * 100, 1), round(upper * 100, 1)],
    }


def run_ci_job(folder: Path, injection: str | None, users: int, run_time: int) -> Path:
    """One run of locustfiles/ci.py against a fresh demo API (with `injection`); its result.json."""
    demo = start_demo_api([injection] if injection else None)
    try:
        command = LocustCommand(REPO / "locustfiles" / "ci.py", demo.url, users, run_time, spawn_rate=25)
        command.extra = ["--report-dir", "reports"]
        run_locust(command, folder)
    finally:
        demo.stop()
    return folder / "reports" / "result.json"
