"""Drift in a run history: a slow rise is flagged once it adds up to the tolerance, noise is not."""

import math
import random

import pytest

from perfgate.core.model import ALL_ENDPOINTS
from perfgate.core.profile import Location, RegressionRule, RegressionSettings
from perfgate.core.tolerances import Tolerance
from perfgate.core.trend import judge, judge_all, mann_kendall, theil_sen, tolerances_for

P95 = Tolerance("p95", 0.2, "+20%")
ALPHA = 0.05 / 10  # ten series judged together


def nightly(seed: int, nights: int, drift: float, noise: float, start: float = 120.0) -> list[float]:
    """p95 per night: `drift` per night compounding, lognormal run-to-run noise."""
    generator = random.Random(seed)
    return [start * math.exp(math.log1p(drift) * night + generator.gauss(0, noise)) for night in range(nights)]


def test_mann_kendall_and_theil_sen_on_known_series():
    assert mann_kendall([1, 2, 3, 4, 5])[0] == 10 and mann_kendall([5, 4, 3, 2, 1])[0] == -10
    s, z = mann_kendall([3, 3, 3, 3])
    assert (s, z) == (0.0, 0.0)
    assert theil_sen([0, 2, 4, 6, 100]) == 2.0  # one outlier night does not move the slope


def test_a_drift_of_three_percent_a_night_is_flagged_with_its_cumulative_change():
    values = nightly(seed=7, nights=25, drift=0.03, noise=0.10)
    trend = judge("GET /api/v1/projects", values, P95, ALPHA)
    assert trend.flagged and trend.change == pytest.approx(1.03**24 - 1, abs=0.35)
    assert trend.message.startswith("drifting: +")


def test_noise_alone_is_not_flagged():
    flagged = [judge("e", nightly(seed, 30, 0.0, 0.20), P95, ALPHA).flagged for seed in range(200)]
    assert sum(flagged) <= 2  # Mann-Kendall at alpha 0.005, and the fitted change must pass +20% too
    assert not judge("e", nightly(seed=3, nights=30, drift=0.0, noise=0.20), P95, ALPHA).flagged


def test_a_drift_is_not_flagged_before_its_cumulative_change_passes_the_tolerance():
    values = nightly(seed=11, nights=30, drift=0.02, noise=0.05)
    first = next(n for n in range(6, 31) if judge("e", values[:n], P95, ALPHA).flagged)
    assert 1.02 ** (first - 1) - 1 > 0.15  # the fitted change passed +20% (give or take the noise)
    assert not judge("e", values[:8], P95, ALPHA).flagged


def test_throughput_drifts_downwards_and_error_rates_in_points():
    falling = judge("all", nightly(seed=1, nights=20, drift=-0.03, noise=0.05), Tolerance("rps", 0.15, "-15%"), ALPHA)
    assert falling.flagged and falling.change < -0.15
    rising = judge("all", nightly(seed=1, nights=20, drift=-0.03, noise=0.05), P95, ALPHA)
    assert not rising.flagged
    errors = [0.001 * night for night in range(12)]  # +0.1pp a night
    judged = judge("e", errors, Tolerance("error_rate", 0.005, "+0.5pp"), ALPHA)
    assert judged.flagged and judged.change == pytest.approx(0.011) and "+1.1pp" in judged.message


def test_too_few_runs_are_not_judged():
    trend = judge("e", [100, 200, 400, 800, 1600], P95, ALPHA)
    assert not trend.flagged and trend.p_value is None and "at least 6" in trend.message


def test_the_family_shares_the_confidence_and_tolerances_come_from_the_profile():
    where = Location("p.yaml", 1)
    settings = RegressionSettings(
        rules=(
            RegressionRule("default", "default", P95, "regression.default.p95", where),
            RegressionRule("endpoint", "GET /slow*", Tolerance("p95", 0.5, "+50%"), "e", where),
            RegressionRule("global", "global", Tolerance("rps", 0.15, "-15%"), "g", where),
        )
    )
    chosen = tolerances_for(settings, ["GET /slow/report", "GET /fast", ALL_ENDPOINTS])
    assert chosen["GET /slow/report"]["p95"].value == 0.5 and chosen["GET /fast"]["p95"].value == 0.2
    assert set(chosen[ALL_ENDPOINTS]) == {"rps"} and chosen["GET /fast"]["rps"].value == 0.15
    assert set(tolerances_for(None, ["GET /x"])["GET /x"]) == {"p95", "error_rate"}
    drifting = nightly(seed=5, nights=20, drift=0.04, noise=0.05)
    trends = judge_all({"GET /fast": {"p95": drifting, "p50": drifting}}, chosen)
    assert [(t.metric, t.flagged) for t in trends] == [("p95", True)]  # p50 has no tolerance: not judged
