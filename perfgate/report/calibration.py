"""What `perfgate calibrate` writes: the calibrated profile (YAML with the figures behind each
number as comments) and the same as a table on the console."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from perfgate.core.calibrate import Calibration, LatencyLimit, ToleranceFinding, written_keys
from perfgate.core.comparability import LOAD_FIELDS
from perfgate.core.model import profile_name


@dataclass(frozen=True)
class UserProfile:
    """What the calibrated profile needs of the profile it extends."""

    extends: str  # as written in `extends:`, relative to the calibrated file
    path: str  # as the runs name it
    limit_keys: list[str]  # the endpoint keys of its limits, in order
    tolerance_keys: list[str]  # the endpoint keys of its regression block
    has_regression: bool
    limits: dict[tuple[str, str], str]  # (key, metric) -> its limit as written


def _odds(probability: float) -> str:
    return f"1 in {round(1 / probability):,}" if probability > 0 else "never"


def _ms(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _limit_note(limit: LatencyLimit, runs: int) -> str:
    values = ", ".join(_ms(v) for v in limit.values_ms)
    return (
        f"{runs} runs: {values} ms; SD {limit.sd:.0%} (sampling {limit.sampling_sd:.0%}, "
        f"{limit.requests:.0f} requests a run); bound {_ms(limit.bound_ms)} ms"
    )


def _tolerance_note(finding: ToleranceFinding, wanted: float, measured_s: float) -> str:
    note = f"detects {finding.detectable:+.0%} with {finding.requests:.0f} requests a run ({finding.rps:.1f}/s)"
    if finding.unreachable:
        return f"{note}; the noise between runs alone exceeds +{wanted:.0%}: merge more baseline runs"
    if finding.needed_requests is not None:
        seconds = finding.needed_requests / finding.rps if finding.rps else math.inf
        factor = finding.needed_requests / finding.requests if finding.requests else math.inf
        note += (
            f"; +{wanted:.0%} needs {finding.needed_requests:,} a run: about {seconds:.0f} s measured "
            f"(now {measured_s:.0f} s), or {factor:.1f}x the users if the system keeps up"
        )
    return note


def _header(calibration: Calibration, user: UserProfile) -> list[str]:
    runs = calibration.runs
    first = runs[0]
    measured = sum(run.measured_s for run in runs) / len(runs)
    load = ", ".join(
        f"{label} {first.load[key]}" for key, label in LOAD_FIELDS.items() if first.load.get(key) is not None
    )
    lines = [
        f"# Calibrated by `perfgate calibrate` on {datetime.now(UTC):%Y-%m-%d} from {len(runs)} runs of profile "
        f"{profile_name(user.path)}",
        f"# ({', '.join(run.source for run in runs)}); host {first.host or '?'}; {load or 'load not recorded'}; "
        f"{measured:.0f} s measured a run.",
        f"# Limits: an unchanged build breaches any of these {calibration.limit_count} limits in about "
        f"{_odds(calibration.targets.breach)} runs",
        f"# (each limit {_odds(calibration.per_limit)}), with the noise between runs measured here or the",
        "# profile's assumed regression.noise where that is larger:",
    ]
    for name, noise in sorted(calibration.noise.items()):
        lines.append(f"#   {name}: {noise.describe()}")
    lines.append(
        f"# Floors: {calibration.targets.floor_ms:g} ms, error rate {calibration.targets.error_floor:.1%}. "
        "Compare with these runs merged: perfgate baseline merge RUN... -o baseline.json"
    )
    return lines


def render_profile(calibration: Calibration, user: UserProfile) -> str:
    wanted = calibration.targets.tolerance
    lines = [*_header(calibration, user), "version: 1", f"extends: {json.dumps(user.extends)}"]
    if calibration.error is not None:
        error = calibration.error
        lines += [
            "global:",
            f'  error_rate: "< {error.limit * 100:g}%"   # {error.failures:,} of {error.requests:,} requests failed '
            f"in {error.runs} runs; bound {error.bound:.2%}",
        ]
    keys = written_keys(calibration, user.limit_keys)
    grouped: dict[str, dict[str, list[LatencyLimit]]] = {}
    for limit in calibration.limits:
        grouped.setdefault(keys[limit.endpoint], {}).setdefault(limit.metric, []).append(limit)
    if grouped:
        lines.append("endpoints:")
    for key, metrics in sorted(grouped.items()):
        lines.append(f"  {json.dumps(key)}:")
        for name, limits in sorted(metrics.items()):
            loosest = max(limits, key=lambda limit: limit.limit_ms)
            note = _limit_note(loosest, len(calibration.runs))
            if len(limits) > 1:
                note = f"{len(limits)} endpoints, the loosest: {loosest.endpoint}: {note}"
            own = user.limits.get((key, name))
            if own:
                note += f"; the profile had {own}"
            lines.append(f'    {name}: "< {loosest.limit_ms:g}ms"   # {note}')
    lines += _regression_lines(calibration, user, wanted)
    return "\n".join(lines) + "\n"


def _regression_lines(calibration: Calibration, user: UserProfile, wanted: float) -> list[str]:
    measured_s = sum(run.measured_s for run in calibration.runs) / len(calibration.runs)
    loose = [f for f in calibration.tolerances if f.tolerance > wanted]
    keys = written_keys(calibration, user.tolerance_keys)
    lines = ["regression:"]
    if not user.has_regression:
        metrics = sorted({f.metric for f in calibration.tolerances} or {"p95"})
        shown = ", ".join(f'{name}: "+{wanted:.0%}"' for name in metrics)
        lines += [f"  default: {{ {shown} }}", '  global: { error_rate: "+0.5pp" }']
    grouped: dict[str, dict[str, ToleranceFinding]] = {}
    for finding in loose:
        chosen = grouped.setdefault(keys[finding.endpoint], {})
        if finding.metric not in chosen or finding.tolerance > chosen[finding.metric].tolerance:
            chosen[finding.metric] = finding
    if grouped:
        lines.append(f"  endpoints:   # +{wanted:.0%} cannot be resolved at this run length on these")
    for key, metrics in sorted(grouped.items()):
        lines.append(f"    {json.dumps(key)}:")
        for name, finding in sorted(metrics.items()):
            note = _tolerance_note(finding, wanted, measured_s)
            lines.append(f'      {name}: "+{finding.tolerance * 100:.0f}%"   # {finding.endpoint}: {note}')
    return lines if len(lines) > 1 else []


def render_table(calibration: Calibration) -> str:
    wanted = calibration.targets.tolerance
    measured_s = sum(run.measured_s for run in calibration.runs) / len(calibration.runs)
    rows = [("endpoint", "metric", "runs (ms)", "SD", "limit", "detects", "tolerance")]
    found = {(f.endpoint, f.metric): f for f in calibration.tolerances}
    for limit in sorted(calibration.limits, key=lambda item: (item.endpoint, item.metric)):
        finding = found.get((limit.endpoint, limit.metric))
        rows.append(
            (
                limit.endpoint,
                limit.metric,
                ", ".join(_ms(v) for v in limit.values_ms),
                f"{limit.sd:.0%}",
                f"< {limit.limit_ms:g}ms",
                f"{finding.detectable:+.0%}" if finding else "-",
                f"+{finding.tolerance:.0%}" if finding else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    if calibration.error is not None:
        error = calibration.error
        out.append(f"error rate: {error.failures} of {error.requests} requests failed; limit < {error.limit:.1%}")
    for finding in calibration.tolerances:
        if finding.tolerance > wanted:
            out.append(f"{finding.endpoint} {finding.metric}: {_tolerance_note(finding, wanted, measured_s)}")
    out += [f"left out: {item}" for item in calibration.left_out]
    out.append(
        f"queueing widens a run's p95 variance x{calibration.inflation:.2g} (median over endpoints and runs; "
        f"perfgate plan --from one of these result.json files plans with each endpoint's own)"
    )
    out.append(
        f"an unchanged build breaches any of the {calibration.limit_count} limits in about "
        f"{_odds(calibration.targets.breach)} runs (if the noise stays as measured)"
    )
    return "\n".join(out) + "\n"
