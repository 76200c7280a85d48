"""A duet's statistics: the pairing over windows and the paired comparison (pure, synthetic)."""

import math
import statistics

from perfgate.core.baseline import Baseline
from perfgate.core.comparability import duet_warnings
from perfgate.core.model import ALL_ENDPOINTS, EndpointStats
from perfgate.core.noise import PAIRED_NOISE
from perfgate.core.regression import compare
from perfgate.core.sampling import paired_log_variance, quantile_log_variance, variance_inflation
from tests.unit.synthetic import ENDPOINTS, latencies, run, stats_of
from tests.unit.test_regression import settings, statuses

WINDOWS = 16


def side(seed: int, slow_windows: float) -> tuple[list[dict[float, int]], dict[float, int]]:
    """Per-window histograms and the pooled one: every other window `slow_windows` times slower
    (the machine had a slow period; both sides of a duet lived through it)."""
    windows = []
    for index in range(WINDOWS):
        factor = slow_windows if index % 2 else 1.0
        windows.append(stats_of("GET /a", latencies(seed * 100 + index, 20 * factor, 200)).histogram)
    pooled: dict[float, int] = {}
    for window in windows:
        for bucket, count in window.items():
            pooled[bucket] = pooled.get(bucket, 0) + count
    return windows, pooled


def quantile(histogram: dict[float, int], q: float = 0.95) -> float:
    return EndpointStats("GET", "/a", sum(histogram.values()), 0, histogram).percentile(q)


def test_a_slow_period_both_sides_lived_through_cancels_in_the_pairing():
    """Over eight duets: each side alone sees the slow windows as noise (batch means ~10x the
    i.i.d. variance); the pair is back near the sides' own sampling noise."""
    paired, apart = [], []
    for seed in range(1, 9):
        (windows_a, pooled_a), (windows_b, pooled_b) = side(seed, 2.0), side(seed + 100, 2.0)
        q_a, q_b = quantile(pooled_a), quantile(pooled_b)
        v_a, v_b = quantile_log_variance(pooled_a, 0.95), quantile_log_variance(pooled_b, 0.95)
        apart.append(
            (v_a * variance_inflation(windows_a, q_a) + v_b * variance_inflation(windows_b, q_b)) / (v_a + v_b)
        )
        variance, df = paired_log_variance((windows_a, windows_b), (q_a, q_b), (v_a, v_b))
        paired.append(variance / (v_a + v_b))
        assert df == WINDOWS - 1
    assert min(paired) >= 1.0
    assert statistics.median(apart) > 5 and statistics.median(paired) < 2


def test_the_pairing_never_claims_less_than_the_sides_sampling_noise():
    windows, pooled = side(1, 1.0)
    q, v = quantile(pooled), quantile_log_variance(pooled, 0.95)
    assert paired_log_variance((windows, windows), (q, q), (v, v)) == (2 * v, WINDOWS - 1)
    few = windows[: WINDOWS // 4]
    assert paired_log_variance((few, few), (q, q), (v, v)) == (2 * v, math.inf)


def test_a_paired_comparison_passes_a_and_a_and_keeps_a_slowdown_of_every_endpoint():
    same = compare(settings(), Baseline("side", [run(1, windows=WINDOWS)]), run(2, windows=WINDOWS), paired=True)
    assert set(statuses(same).values()) == {"pass"}
    assert {c.noise for c in same.checks if c.metric == "p95"} == {PAIRED_NOISE}
    assert all(c.endpoint != ALL_ENDPOINTS for c in same.checks)
    # in a duet the machine's slowness is in both sides: a shift of every endpoint is the candidate's own
    slower = run(3, windows=WINDOWS, everything=1.5)
    found = statuses(compare(settings(), Baseline("side", [run(1, windows=WINDOWS)]), slower, paired=True))
    assert [found[(key, "p95")] for key in ENDPOINTS] == ["regression"] * len(ENDPOINTS)
    unpaired = statuses(compare(settings(), Baseline("side", [run(1, windows=WINDOWS)]), slower))
    assert unpaired[(ALL_ENDPOINTS, "p95")] == "regression"
    assert "regression" not in [unpaired[(key, "p95")] for key in ENDPOINTS]


def test_sides_that_differ_in_more_than_latency_are_named():
    key, other = list(ENDPOINTS)[:2]
    baseline, candidate = run(1, windows=WINDOWS), run(2, windows=WINDOWS, failures={key: 300})
    del candidate.endpoints[other]
    warnings = duet_warnings(baseline, candidate)
    assert f"duet: only the baseline side called {other}: do both sides serve the same API?" in warnings
    assert any(w.startswith(f"duet: {key} failed 300/2000 on the candidate and 0/2000") for w in warnings)
    assert duet_warnings(baseline, run(2, windows=WINDOWS)) == []
