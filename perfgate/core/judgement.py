"""The decision of one regression check from its estimate: regression, improvement, inconclusive
or pass, with the change, its 90% interval and the smallest change the run could detect."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from perfgate.core.model import CheckKind, CheckResult, Status
from perfgate.core.profile import RegressionRule
from perfgate.core.sampling import LOG_FLOOR_MS, newcombe_difference, student_quantile
from perfgate.core.tolerances import Tolerance

INTERVAL_CONFIDENCE = 0.90


@dataclass
class Candidate:
    """One comparison before the family-wise decision."""

    rule: RegressionRule | None  # None: the global shift
    endpoint: str
    tolerance: Tolerance
    baseline: float | None  # None for the global shift, a ratio without values of its own
    current: float | None
    log_change: float = 0.0  # latency and rps
    adjusted: float = 0.0
    sd: float = 0.0
    df: float = math.inf
    noise: str = ""
    min_delta_ms: float = 0.0
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)  # error_rate: failures/requests now, then
    sizes: tuple[int, int] = (0, 0)  # requests now, in the baseline


def regression_check(
    rule: RegressionRule | None,
    endpoint: str,
    tolerance: Tolerance,
    baseline: float | None,
    current: float | None,
    status: Status,
    message: str,
    **measures: Any,
) -> CheckResult:
    return CheckResult(
        endpoint=endpoint,
        metric=tolerance.metric,
        limit=tolerance.describe(),
        actual=current,
        status=status,
        message=message,
        rule=rule.path if rule else "regression.global_shift",
        source=str(rule.location) if rule and rule.location.file else "",
        baseline=baseline,
        kind=CheckKind.REGRESSION,
        **measures,
    )


def signed_change(change: float) -> str:
    if change >= 1:
        return f"x{1 + change:.3g}"
    return f"{change:+.0%}" if abs(change) >= 0.1 else f"{change:+.1%}"


def _judge_ratio(candidate: Candidate, z_family: float, confidence: float) -> CheckResult:
    """Latency (worse = up) and throughput (worse = down), on the log scale."""
    tolerance = candidate.tolerance
    direction = -1.0 if tolerance.kind == "rps" else 1.0
    limit = -math.log1p(-tolerance.value) if direction < 0 else math.log1p(tolerance.value)
    worse = direction * candidate.adjusted
    z90 = student_quantile(1 - (1 - INTERVAL_CONFIDENCE) / 2, candidate.df)
    detectable = z90 * candidate.sd
    interval = (math.expm1(candidate.adjusted - detectable), math.expm1(candidate.adjusted + detectable))
    significant = worse - z_family * candidate.sd > 0
    has_values = candidate.current is not None and candidate.baseline is not None
    delta = candidate.current - candidate.baseline if has_values else 0.0
    large_enough = tolerance.kind != "latency" or not has_values or delta >= candidate.min_delta_ms
    # a change below min_delta is never a regression, so the run need only resolve the larger of the two
    resolvable = limit
    if has_values and tolerance.kind == "latency":
        resolvable = max(limit, math.log1p(candidate.min_delta_ms / max(candidate.baseline, LOG_FLOOR_MS)))
    change, adjusted = math.expm1(candidate.log_change), math.expm1(candidate.adjusted)
    described = signed_change(change)
    if candidate.adjusted != candidate.log_change:
        described += f", {signed_change(adjusted)} after the shift shared by every endpoint"
    described += f"; 90% interval {signed_change(interval[0])} to {signed_change(interval[1])}"
    family = f"{confidence:.0%} family-wise"
    if worse > limit and significant and large_enough:
        status = Status.REGRESSION
        message = f"{described}: beyond the tolerance {tolerance.describe()} and significant at {family}"
    elif worse < -limit and -worse - z_family * candidate.sd > 0:
        status, message = Status.IMPROVEMENT, f"{described}: better by more than the tolerance, significant at {family}"
    elif detectable > resolvable:
        status = Status.INCONCLUSIVE
        smallest = signed_change(math.expm1(direction * detectable))
        now, before = candidate.sizes
        counted = f"; {now} requests now, {before} in the baseline" if now else ""
        message = (
            f"{described}: this comparison can only detect changes of {smallest} or more (tolerance "
            f"{tolerance.describe()}{counted}): run longer, with more users, merge more baseline runs, "
            "or relax the tolerance"
        )
    elif worse > limit and significant:
        status = Status.PASS
        message = f"{described}: only {delta:+.1f} ms, below min_delta {candidate.min_delta_ms:g} ms"
    else:
        status, message = Status.PASS, f"{described}: within the tolerance {tolerance.describe()}"
    return _decided(candidate, status, message, (change, adjusted), interval, math.expm1(direction * detectable))


def _judge_errors(candidate: Candidate, z_family: float, confidence: float) -> CheckResult:
    tolerance = candidate.tolerance
    failures_now, requests_now, failures_before, requests_before = candidate.counts
    difference, lower, upper = newcombe_difference(failures_now, requests_now, failures_before, requests_before, 1.645)
    _, family_lower, family_upper = newcombe_difference(
        failures_now, requests_now, failures_before, requests_before, z_family
    )
    detectable = upper - difference
    described = (
        f"{candidate.current:.2%} vs {candidate.baseline:.2%} ({difference * 100:+.2f}pp; "
        f"90% interval {lower * 100:+.2f} to {upper * 100:+.2f}pp)"
    )
    if difference > tolerance.value and family_lower > 0:
        status = Status.REGRESSION
        message = f"{described}: beyond {tolerance.describe()} and significant at {confidence:.0%} family-wise"
    elif difference < -tolerance.value and family_upper < 0:
        status, message = Status.IMPROVEMENT, f"{described}: fewer errors by more than the tolerance"
    elif detectable > tolerance.value:
        status = Status.INCONCLUSIVE
        message = (
            f"{described}: with {requests_now} requests this run can only detect a rise of "
            f"{detectable * 100:.2f}pp or more (tolerance {tolerance.describe()}): run longer or with more users"
        )
    else:
        status, message = Status.PASS, f"{described}: within the tolerance {tolerance.describe()}"
    return _decided(candidate, status, message, (difference, difference), (lower, upper), detectable)


def _decided(
    candidate: Candidate,
    status: Status,
    message: str,
    changes: tuple[float, float],
    interval: tuple[float, float],
    detectable: float,
) -> CheckResult:
    """`changes`: the change and the change net of the shift shared by every endpoint."""
    return regression_check(
        candidate.rule,
        candidate.endpoint,
        candidate.tolerance,
        candidate.baseline,
        candidate.current,
        status,
        message,
        change=changes[0],
        adjusted_change=changes[1],
        interval=interval,
        detectable=detectable,
        noise=candidate.noise,
    )


def judge(candidate: Candidate, z_family: float, confidence: float) -> CheckResult:
    """`z_family`: the one-sided quantile that makes every check of the run together hold `confidence`."""
    if candidate.tolerance.kind == "error_rate":
        return _judge_errors(candidate, z_family, confidence)
    return _judge_ratio(candidate, z_family, confidence)
