"""1b. Where perfgate's cost to a saturated generator comes from: the side-by-side pairs of part 1
(benchmarks.overhead: both generators at once on one CPU, each against a light target of its own,
the requests of a window in which both were sending counted by the targets), with bare Locust
beside arms that each add one more of what a gated run adds, taking turns within every round:

- bare Locust again (the control: what the setup makes of two equal arms);
- a placebo: about as much unrelated code loaded as perfgate (benchmarks/locustfiles/placebo.py);
- perfgate's modules loaded, its plugin not (perfgate_modules.py);
- the plugin, with Locust's own log_request put back (locust_log_request.py);
- the plugin, no profile: every patch, no gate (gated.py);
- as shipped: the plugin and a gate judging 5 checks (gated.py with healthz.yaml).

Each arm's ratio to bare is reported with the 95% interval of its median: the steps between
neighbours are a percent or less, about the width of those intervals at 10 rounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import BENCH_LOCUSTFILES, LocustCommand, median_interval, spread
from benchmarks.overhead import light_targets, run_pair, side_by_side_cpus

USERS, USER_CLASS = 20, "HealthzSaturator"
ROUNDS, RUN_TIME_S = 10, 12
QUICK_RUN_TIME_S = 8  # both send for 3 s or more after the later start, the first and last second left out
# --quick checks the harness: each locustfile and option set once (bare.py is every pair's other side,
# gated.py runs in "shipped" with the profile)
QUICK_ARMS = ("placebo", "modules", "plugin-locust-log", "shipped")
GATED = ["--thresholds", str(BENCH_LOCUSTFILES / "healthz.yaml")]
# arm: (what it adds, locustfile, extra options)
ARMS = {
    "bare-again": ("nothing: bare Locust beside bare Locust", "bare.py", []),
    "placebo": ("120 standard-library modules", "placebo.py", []),
    "modules": ("perfgate's modules, not its plugin", "perfgate_modules.py", []),
    "plugin-locust-log": ("the plugin with Locust's own log_request", "locust_log_request.py", []),
    "plugin": ("the plugin, no profile", "gated.py", []),
    "shipped": ("the plugin and a gate of 5 checks", "gated.py", GATED),
}


def measure(quick: bool, folder: Path) -> dict[str, Any]:
    cpus = side_by_side_cpus()
    if cpus is None:
        return {}
    generators_cpu, targets_cpu = cpus
    rounds, run_time = (1, QUICK_RUN_TIME_S) if quick else (ROUNDS, RUN_TIME_S)
    arms = {arm: ARMS[arm] for arm in QUICK_ARMS} if quick else ARMS
    bare = _command("bare.py", [], run_time)
    ratios: dict[str, list[float]] = {arm: [] for arm in arms}
    with light_targets(targets_cpu) as targets:
        for index in range(rounds):
            for arm, (_, locustfile, extra) in arms.items():
                pair = {"bare": bare, arm: _command(locustfile, extra, run_time)}
                _, ratio = run_pair(pair, index, targets, generators_cpu, folder / arm)
                ratios[arm] += [ratio] if ratio is not None else []
    return {
        "users": USERS,
        "user_class": USER_CLASS,
        "run_time_s": run_time,
        "rounds": rounds,
        "arms": {
            arm: {
                "adds": adds,
                "ratios": [round(r, 4) for r in ratios[arm]],
                "ratio": spread(ratios[arm]),
                "median_ci95": median_interval(ratios[arm]),
            }
            for arm, (adds, _, _) in arms.items()
        },
    }


def _command(locustfile: str, extra: list[str], run_time: int) -> LocustCommand:
    return LocustCommand(BENCH_LOCUSTFILES / locustfile, "", USERS, run_time, None, 0, [USER_CLASS], extra)


def summary(data: dict[str, Any]) -> list[str]:
    if not data:
        return ["Not run: the side-by-side pairs need two CPUs."]
    lines = [
        f"{data['user_class']}, {data['users']} users a side, {data['rounds']} rounds of {data['run_time_s']} s pairs;"
        " each arm ÷ bare Locust beside it, over a window in which both were sending:",
        "",
        "| arm | adds to bare Locust | pairs | min / median / max | median's 95% CI |",
        "|---|---|---|---|---|",
    ]
    for arm, row in data["arms"].items():
        ratio, interval = row["ratio"], row["median_ci95"]
        shown = f"{ratio['min']:.3f} / {ratio['median']:.3f} / {ratio['max']:.3f}" if ratio else "n/a"
        lines.append(
            f"| {arm} | {row['adds']} | {len(row['ratios'])} | {shown} |"
            f" {f'{interval[0]:.3f}-{interval[1]:.3f}' if interval else 'n/a'} |"
        )
    return lines
