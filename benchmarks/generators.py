"""5. Generator efficiency: requests per CPU-second of the Locust process for each of the four
flows with HttpUser (as written) and FastHttpUser, no wait, against the demo API; and `wrk` on one
demo endpoint, the ceiling of this machine. Divide the load you need by these to know how many
worker processes (one core each) a run needs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.harness import BENCH_LOCUSTFILES, LocustCommand, run_locust
from perfgate.demo.launcher import start_demo_api

FLOWS = ("DevOpsApiUser", "BuildPipelineUser", "DeploymentUser", "ReportingUser")
WRK_PATH = "/api/v1/builds/9001/status"
LOGIN = {"email": "ci-bot@example.com", "password": "SuperSecurePassword123!"}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    users, run_time = (4, 2) if quick else (10, 10)
    demo = start_demo_api()
    try:
        flows = {}
        for flow in FLOWS[:1] if quick else FLOWS:  # quick: the harness, once
            flows[flow] = {}
            for client in ("Http", "Fast"):
                usage = folder / f"{client}{flow}.json"
                command = LocustCommand(
                    BENCH_LOCUSTFILES / "generators.py",
                    demo.url,
                    users,
                    run_time,
                    user_classes=[f"{client}{flow}"],
                    env={"PERFGATE_BENCH_CPU": str(usage)},
                )
                run_locust(command, folder / f"{client}{flow}")
                test = json.loads(usage.read_text())
                flows[flow][f"{client}HttpUser" if client == "Fast" else "HttpUser"] = {
                    "rps": round(test["requests"] / test["seconds"], 1),
                    "cpu_percent": round(test["cpu_s"] / test["seconds"] * 100, 1),
                    "requests_per_cpu_second": round(test["requests"] / test["cpu_s"]) if test["cpu_s"] else 0,
                }
        ceiling = _wrk(demo.url, run_time)
    finally:
        demo.stop()
    return {"users": users, "run_time_s": run_time, "flows": flows, "wrk": ceiling}


def _wrk(url: str, run_time: int) -> dict[str, Any]:
    binary = shutil.which("wrk")
    if binary is None:
        return {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
    request = urllib.request.Request(
        url + "/api/v1/auth/login", json.dumps(LOGIN).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.loads(response.read())["access_token"]
    command = [binary, "-t1", "-c20", f"-d{run_time}s", "-H", f"Authorization: Bearer {token}", url + WRK_PATH]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    began = time.monotonic()
    try:
        output = process.stdout.read() if process.stdout else ""
        usage = os.wait4(process.pid, 0)[2]
    finally:
        if process.poll() is None:
            process.kill()
    elapsed = time.monotonic() - began
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "endpoint": "GET " + WRK_PATH,
        "rps": round(rps, 1),
        "cpu_percent": round(cpu / elapsed * 100, 1),
        "requests_per_cpu_second": round(rps * elapsed / cpu) if cpu else 0,
    }


def summary(data: dict[str, Any]) -> list[str]:
    lines = [
        "| flow | HttpUser rps | HttpUser requests per CPU-second | FastHttpUser rps |"
        " FastHttpUser requests per CPU-second |",
        "|---|---|---|---|---|",
    ]
    for flow, row in data["flows"].items():
        http, fast = row["HttpUser"], row["FastHttpUser"]
        lines.append(
            f"| {flow} | {http['rps']:.0f} | {http['requests_per_cpu_second']} | {fast['rps']:.0f} |"
            f" {fast['requests_per_cpu_second']} |"
        )
    wrk = data["wrk"]
    if "skipped" in wrk:
        lines += ["", f"wrk: {wrk['skipped']}."]
    else:
        lines += [
            "",
            f"wrk (1 thread, 20 connections) on {wrk['endpoint']}: {wrk['rps']:.0f} requests/s at"
            f" {wrk['cpu_percent']:.0f}% of a core, {wrk['requests_per_cpu_second']} requests per CPU-second"
            " (the demo API, on the same 2 cores, is the limit).",
        ]
    return lines
