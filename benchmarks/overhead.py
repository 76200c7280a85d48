"""1. What perfgate costs the generator: bare Locust against Locust with perfgate judging a
16-check profile (live loop, windows, warm-up, time line), same users, same demo API, run in pairs
A B, B A, A B, ... so that drift hits both arms alike and neither arm always runs first. Reported per
pair as a ratio.

On a shared VM runs of the same arm a minute apart differ by up to +-17% in requests/s, so
sequential pairs fix the median to a few percent at best. The side-by-side setup takes that
noise out as a duet does: both arms run at once, each generator against a target of its own,
both generators pinned to one CPU and both targets to another. The scheduler gives the two
generators equal shares of their CPU, so while the targets have CPU to spare (recorded per pair)
the ratio of their requests/s is the inverse ratio of their CPU per request; a slow moment of the
machine slows both. Only a window in which both generators were sending counts
(`rps_ratio_both_sending`): perfgate's arm starts its load later (its import) and ends later, and
in the seconds the other generator is not running it has the CPU to itself; the whole-run ratio
(`rps_ratio`) counts those too. The window's requests are counted by the targets, both read at
the same instants (benchmarks.light_target says why not from Locust's stats history). The targets
are benchmarks.light_target, not the demo API: /healthz on the demo API costs the server about as
much CPU per request as the generator (~140 µs here), so two of them on one CPU ran at 93% and
partly set the rate, which pulls the ratio towards 1. The arms swap targets and start order from
pair to pair. Control pairs, bare beside bare, run in between: what the setup makes of two equal
arms."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    BENCH_LOCUSTFILES,
    LocustCommand,
    LocustRun,
    cpu_seconds,
    median_interval,
    pin,
    run_locust,
    spread,
)
from benchmarks.light_target import LightTarget, start_light_target
from perfgate.demo.launcher import start_demo_api

SETUPS = {
    # name: (user class, users, profile, pairs, run time s)
    "FastHttpUser at saturation, /healthz": ("HealthzSaturator", 20, "healthz.yaml", 21, 12),
    "FastHttpUser at saturation, the API": ("SaturatingReader", 20, "overhead.yaml", 5, 15),
    "HttpUser at the CI load": ("PacedReader", 50, "overhead.yaml", 5, 15),
}
SIDE_BY_SIDE = (
    "FastHttpUser at saturation, side by side on one CPU, light target",
    "HealthzSaturator",
    20,
    "healthz.yaml",
    21,
    12,
)


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    demo = start_demo_api()
    try:
        figures = {
            name: _pairs(user_class, users, profile, *((1, 3) if quick else (pairs, run_time)), demo.url, folder)
            for name, (user_class, users, profile, pairs, run_time) in SETUPS.items()
        }
    finally:
        demo.stop()
    cpus = side_by_side_cpus()
    if cpus is not None:
        name, user_class, users, profile, pairs, run_time = SIDE_BY_SIDE
        sizes = (1, 3) if quick else (pairs, run_time)
        figures[name] = _side_by_side(user_class, users, profile, *sizes, cpus, folder)
    return figures


def _arms(user_class: str, users: int, profile: str, run_time: int) -> dict[str, LocustCommand]:
    gated = ["--thresholds", str(BENCH_LOCUSTFILES / profile)]
    return {
        arm: LocustCommand(BENCH_LOCUSTFILES / locustfile, "", users, run_time, None, 0, [user_class], extra)
        for arm, locustfile, extra in (("bare", "bare.py", []), ("perfgate", "gated.py", gated))
    }


def _pairs(
    user_class: str, users: int, profile: str, pairs: int, run_time: int, host: str, folder: Path
) -> dict[str, Any]:
    runs: dict[str, list[Any]] = {"bare": [], "perfgate": []}
    arms = list(_arms(user_class, users, profile, run_time).items())
    for index in range(pairs):
        for arm, command in arms if index % 2 == 0 else arms[::-1]:
            runs[arm].append(run_locust(replace(command, host=host), folder / user_class / f"{arm}-{index}"))
    return _figures(runs, users, user_class, run_time, pairs)


def _side_by_side(
    user_class: str, users: int, profile: str, pairs: int, run_time: int, cpus: tuple[str, str], folder: Path
) -> dict[str, Any]:
    """`pairs` pairs of bare Locust beside perfgate, and after every other one a control pair of
    bare Locust beside bare Locust, which measures what the setup itself makes of two equal arms."""
    generators_cpu, servers_cpu = cpus
    runs: dict[str, list[Any]] = {"bare": [], "perfgate": []}
    arms = _arms(user_class, users, profile, run_time)
    control = {"bare": arms["bare"], "bare-again": arms["bare"]}
    with light_targets(servers_cpu) as servers:
        busy, ratios, control_ratios, controls = [], [], [], 0
        for index in range(pairs):
            before = sum(cpu_seconds(s.process.pid) for s in servers)
            pair, ratio = run_pair(arms, index, servers, generators_cpu, folder / "side-by-side")
            busy.append(round((sum(cpu_seconds(s.process.pid) for s in servers) - before) / run_time * 100, 1))
            for arm, run in pair.items():
                runs[arm].append(run)
            ratios += [ratio] if ratio is not None else []
            if index % 2 == 0:  # numbered apart, so that the control's arms, too, take turns to start first
                _, ratio = run_pair(control, controls, servers, generators_cpu, folder / "side-by-side-control")
                controls += 1
                control_ratios += [ratio] if ratio is not None else []
    return _figures(runs, users, user_class, run_time, pairs) | {
        "servers_cpu_percent": spread(busy),
        "rps_ratio_both_sending": spread(ratios),
        "rps_ratio_both_sending_median_ci95": median_interval(ratios),
        "control_pairs": controls,
        "control_rps_ratio_both_sending": spread(control_ratios),
        "control_rps_ratio_both_sending_median_ci95": median_interval(control_ratios),
    }


@contextmanager
def light_targets(cpu: str) -> Iterator[list[LightTarget]]:
    """Two light targets pinned to `cpu`, one for each generator of a pair."""
    servers = [start_light_target(), start_light_target()]
    try:
        for server in servers:
            pin(server.process.pid, cpu)
        yield servers
    finally:
        for server in servers:
            server.stop()


def side_by_side_cpus() -> tuple[str, str] | None:
    """The generators' CPU and the targets' CPU: the first and the last this process may use (None
    with one CPU, where the generators would share it with their targets)."""
    cpus = sorted(os.sched_getaffinity(0))
    return (str(cpus[0]), str(cpus[-1])) if len(cpus) >= 2 else None


def run_pair(
    commands: dict[str, LocustCommand], index: int, servers: list[LightTarget], cpus: str, folder: Path
) -> tuple[dict[str, LocustRun], float | None]:
    """The two arms at once on `cpus`, each against a light target of its own; the arms swap start
    order every pair and targets every other pair. The requests/s of the second arm ÷ the first's
    over a window in which both were sending (None if too short)."""
    order = list(commands)[:: 1 if index % 2 == 0 else -1]
    targets = dict(zip(order, servers if index % 4 < 2 else servers[::-1], strict=True))
    with ThreadPoolExecutor(len(order)) as pool:
        started = {
            arm: pool.submit(
                run_locust,
                replace(commands[arm], host=targets[arm].url, cpus=cpus),
                folder / f"{arm}-{index}",
            )
            for arm in order
        }
        served = _served_while(
            lambda: not all(future.done() for future in started.values()), [targets[arm] for arm in commands]
        )
    return {arm: future.result() for arm, future in started.items()}, same_window_ratio(served)


Reading = tuple[float, int, int]  # (monotonic time, served by the first target, by the second)


def _served_while(running: Callable[[], bool], targets: list[LightTarget], every_s: float = 0.1) -> list[Reading]:
    readings = []
    while running():
        first, second = (target.served() for target in targets)
        readings.append((time.monotonic(), first, second))
        time.sleep(every_s)
    return readings


def same_window_ratio(readings: list[Reading], trim_s: float = 1.0, least_s: float = 3.0) -> float | None:
    """What the second target served ÷ what the first served, between two readings of both: from
    `trim_s` after the later of the two began serving (spawning) to `trim_s` before the earlier
    stopped (stopping). None when that leaves under `least_s` or the first served nothing."""
    spans = []  # when each target first and last served more than at the reading before
    for target in (1, 2):
        grew = [now[0] for before, now in pairwise(readings) if now[target] > before[target]]
        if not grew:
            return None
        spans.append((grew[0], grew[-1]))
    begin = max(first for first, _ in spans) + trim_s
    end = min(last for _, last in spans) - trim_s
    inside = [reading for reading in readings if begin <= reading[0] <= end]
    if len(inside) < 2 or inside[-1][0] - inside[0][0] < least_s:
        return None
    first_served, second_served = (inside[-1][k] - inside[0][k] for k in (1, 2))
    return second_served / first_served if first_served else None


def _figures(runs: dict[str, list[Any]], users: int, user_class: str, run_time: int, pairs: int) -> dict[str, Any]:
    ratios = [b.rps / a.rps for a, b in zip(runs["bare"], runs["perfgate"], strict=True) if a.rps]
    cost = [
        (b.cpu_s / b.requests) / (a.cpu_s / a.requests)
        for a, b in zip(runs["bare"], runs["perfgate"], strict=True)
        if a.requests and b.requests
    ]
    return {
        "users": users,
        "user_class": user_class,
        "run_time_s": run_time,
        "pairs": pairs,
        "rps": {arm: [round(r.rps, 1) for r in arm_runs] for arm, arm_runs in runs.items()},
        "cpu_percent": {arm: [r.cpu_percent for r in arm_runs] for arm, arm_runs in runs.items()},
        "perfgate_exit_codes": [r.returncode for r in runs["perfgate"]],
        "rps_ratio": spread(ratios),
        "rps_ratio_median_ci95": median_interval(ratios),
        "cpu_per_request_ratio": spread(cost),
    }


def summary(data: dict[str, Any]) -> list[str]:
    lines = [
        "| setup | pairs | rps bare (median) | rps perfgate (median) | rps ratio min / median / max |"
        " median's 95% CI | CPU % bare / perfgate (median) | CPU per request, ratio (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in data.items():
        ratio = row["rps_ratio"]
        interval = row.get("rps_ratio_median_ci95")
        lines.append(
            f"| {name} ({row['users']} users) | {row['pairs']} | {statistics.median(row['rps']['bare']):.0f} |"
            f" {statistics.median(row['rps']['perfgate']):.0f} |"
            f" {_min_median_max(ratio)} | {_interval(interval)} |"
            f" {statistics.median(row['cpu_percent']['bare']):.0f} /"
            f" {statistics.median(row['cpu_percent']['perfgate']):.0f} |"
            f" {row['cpu_per_request_ratio'].get('median', 0):.3f} |"
        )
    lines += [
        f"\n{name}: over a window in which both generators were sending (counted by the targets), perfgate ÷ bare"
        f" {_min_median_max(row['rps_ratio_both_sending'])}, the median's 95% CI"
        f" {_interval(row['rps_ratio_both_sending_median_ci95'])} (the table's ratio also counts the"
        " seconds one of them ran alone)."
        for name, row in data.items()
        if "rps_ratio_both_sending" in row
    ]
    lines += [
        f"\n{name}, control: {row['control_pairs']} pairs of bare Locust beside bare Locust in the same run,"
        f" second ÷ first {_min_median_max(row['control_rps_ratio_both_sending'])}, the median's 95% CI"
        f" {_interval(row['control_rps_ratio_both_sending_median_ci95'])} (what the setup makes of two equal arms)."
        for name, row in data.items()
        if row.get("control_pairs")
    ]
    lines += [
        f"\n{name}: the two servers used {row['servers_cpu_percent'].get('median', 0):.0f}% of their CPU"
        f" (median; max {row['servers_cpu_percent'].get('max', 0):.0f}%); near 100% they, not the"
        " generators, would have set the rate."
        for name, row in data.items()
        if "servers_cpu_percent" in row
    ]
    return lines


def _min_median_max(ratio: dict[str, float]) -> str:
    return f"{ratio.get('min', 0):.3f} / {ratio.get('median', 0):.3f} / {ratio.get('max', 0):.3f}"


def _interval(interval: Any) -> str:
    return f"{interval[0]:.3f}-{interval[1]:.3f}" if interval else "n/a"
