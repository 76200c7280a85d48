"""Trends over recorded runs: is an endpoint slowly getting worse, night after night?

A gradual regression hides from the run-against-baseline comparison: each night is only a few
percent slower than the last, and a baseline taken from recent history moves along with it. So the
history is judged as a series (oldest first, the last `window` runs of one profile on one branch):

- Direction and significance: the Mann–Kendall test (a rank test: no assumption of normal noise,
  one outlier night counts once; tie-corrected variance, since histogram buckets make equal
  percentiles common). One-sided, in the metric's bad direction.
- Size: the Theil–Sen slope (median of pairwise slopes; robust to outliers), of ln(value) for
  latency and throughput (run-to-run noise is multiplicative) and of the value for error rates
  (percentage points). The cumulative change is the fitted change from the window's first run to its
  last: exp(slope·(n−1)) − 1.
- Flagged when the cumulative change is beyond the profile's regression tolerance for that metric
  AND the trend is significant at the family-wise confidence (Bonferroni over every series judged).
  A few percent per night is flagged once it adds up to the tolerance; noise alone rarely reaches
  significance, and when it does its fitted change is small.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from perfgate.core.model import ALL_ENDPOINTS
from perfgate.core.profile import DEFAULT_REGRESSION, RegressionSettings
from perfgate.core.tolerances import Tolerance

MIN_RUNS = 6  # below this even a perfectly monotone series is not significant at 95% after Bonferroni
DEFAULT_WINDOW = 30
_NORMAL = statistics.NormalDist()


@dataclass(frozen=True)
class Trend:
    series: str  # an endpoint key, or "all endpoints"
    metric: str
    values: tuple[float, ...]
    tolerance: Tolerance
    change: float | None  # fitted cumulative change over the series (percentage points for error_rate)
    p_value: float | None  # one-sided, towards worse
    flagged: bool
    message: str

    @property
    def worsening(self) -> float | None:
        """The fitted change in the bad direction (positive = worse), None when not fitted."""
        return None if self.change is None else worse_sign(self.tolerance.kind) * self.change


def worse_sign(kind: str) -> int:
    """+1 where a rise is worse (latency, errors), -1 where a fall is (throughput)."""
    return -1 if kind == "rps" else 1


def shown_change(kind: str, change: float) -> str:
    """A fitted change as the messages give it: +12.3% (percentage points for error rates)."""
    return f"{change * 100:+.1f}{'pp' if kind == 'error_rate' else '%'}"


def mann_kendall(values: list[float]) -> tuple[float, float]:
    """(S, z): S sums the signs of every later-minus-earlier pair; z is continuity- and tie-corrected."""
    n = len(values)
    s = sum((values[j] > values[i]) - (values[j] < values[i]) for i in range(n - 1) for j in range(i + 1, n))
    ties = [count for count in _counts(values) if count > 1]
    variance = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    if variance <= 0:
        return float(s), 0.0
    z = (s - math.copysign(1, s)) / math.sqrt(variance) if s else 0.0
    return float(s), z


def _counts(values: list[float]) -> list[int]:
    counts: dict[float, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return list(counts.values())


def theil_sen(values: list[float]) -> float:
    """The median slope over every pair of runs (per run)."""
    slopes = [(values[j] - values[i]) / (j - i) for i in range(len(values) - 1) for j in range(i + 1, len(values))]
    return statistics.median(slopes) if slopes else 0.0


def judge(
    series: str, values: list[float], tolerance: Tolerance, alpha: float, unit: str = "runs", linear: bool = False
) -> Trend:
    """One series against its tolerance; `alpha` is this series' share of the family-wise error;
    `unit` names the points (runs of a history, windows of one run); `linear`: the values are
    differences already on the tolerance's scale (a duet's drift), fitted as they are, not as logs."""
    kind = tolerance.kind
    if len(values) < MIN_RUNS:
        message = f"{len(values)} {unit}: a trend needs at least {MIN_RUNS}"
        return Trend(series, tolerance.metric, tuple(values), tolerance, None, None, False, message)
    logarithmic = kind in ("latency", "rps") and not linear
    if logarithmic and min(values) <= 0:
        message = "a zero value in the series: no relative trend"
        return Trend(series, tolerance.metric, tuple(values), tolerance, None, None, False, message)
    points = [math.log(v) for v in values] if logarithmic else values
    sign = worse_sign(kind)
    _, z = mann_kendall([sign * p for p in points])
    p_value = 1 - _NORMAL.cdf(z)
    fitted = theil_sen(points) * (len(values) - 1)
    change = math.exp(fitted) - 1 if logarithmic else fitted
    worse = sign * change
    flagged = worse > tolerance.value and p_value < alpha
    shown = shown_change(kind, change)
    verdict = "drifting" if flagged else ("within tolerance" if worse <= tolerance.value else "not significant")
    message = (
        f"{verdict}: {shown} over {len(values)} {unit} (tolerance {tolerance.describe()}, "
        f"trend p = {p_value:.2g}, needs < {alpha:.2g})"
    )
    return Trend(series, tolerance.metric, tuple(values), tolerance, change, p_value, flagged, message)


def judge_all(
    series: dict[str, dict[str, list[float]]],
    tolerances: dict[str, dict[str, Tolerance]],
    confidence: float = 0.95,
    unit: str = "runs",
    linear: bool = False,
) -> list[Trend]:
    """series: name -> metric -> values (oldest first); tolerances: name -> metric -> tolerance.
    The family is every (series, metric) that has a tolerance and enough runs."""
    judged = [
        (name, metric, values, tolerances[name][metric])
        for name, metrics in series.items()
        for metric, values in metrics.items()
        if metric in tolerances.get(name, {})
    ]
    family = max(1, sum(len(values) >= MIN_RUNS for *_, values, _ in judged))
    alpha = (1 - confidence) / family
    return [judge(name, values, tolerance, alpha, unit, linear) for name, _, values, tolerance in judged]


def tolerances_for(settings: RegressionSettings | None, names: list[str]) -> dict[str, dict[str, Tolerance]]:
    """The tolerance of each series and metric: the profile's regression rule for that endpoint,
    else its default, else its global one (the only scope for "all endpoints"); without a profile,
    +20% on p95 and +0.5pp on the error rate."""
    chosen: dict[str, dict[str, Tolerance]] = {}
    for name in names:
        if settings is None:
            chosen[name] = {rule.tolerance.metric: rule.tolerance for rule in DEFAULT_REGRESSION.rules}
            continue
        method, _, path = name.partition(" ")
        scopes = ("global",) if name == ALL_ENDPOINTS else ("endpoint", "default", "global")
        picked: dict[str, Tolerance] = {}
        for scope in scopes:
            for rule in settings.rules:
                if rule.scope == scope and (scope != "endpoint" or rule.matches(method, path)):
                    picked.setdefault(rule.tolerance.metric, rule.tolerance)
        chosen[name] = picked
    return chosen
