"""perfgate plan: the comparison on synthetic runs, against what its variance composition implies."""

from __future__ import annotations

import itertools
import math

import pytest

from perfgate.core.plan import Workload, detectable, floor, run_time_for, synthetic_histogram
from perfgate.core.profile import DEFAULT_REGRESSION
from perfgate.core.sampling import normal_quantile

Z90 = normal_quantile(0.95)


def test_the_synthetic_histogram_has_the_requests_and_the_spread_asked_for():
    histogram = synthetic_histogram(10_000, 3.0)
    assert sum(histogram.values()) == 10_000
    ordered = sorted(histogram)
    cumulative, p50, p95 = 0, None, None
    for bucket in ordered:
        cumulative += histogram[bucket]
        p50 = p50 or (bucket if cumulative >= 5000 else None)
        p95 = p95 or (bucket if cumulative >= 9500 else None)
    assert p95 / p50 == pytest.approx(3.0, rel=0.02)


def test_longer_runs_detect_smaller_changes_down_to_the_noise_between_runs():
    workload = Workload(rps=200, endpoints=10)
    found = [detectable(workload, seconds, DEFAULT_REGRESSION, 0.2) for seconds in (15, 60, 240, 960)]
    assert all(a > b for a, b in itertools.pairwise(found))
    # an endless run leaves the endpoint noise of both sides and its 1/K share in the common shift
    endpoint = DEFAULT_REGRESSION.endpoint_noise
    expected = math.expm1(Z90 * math.sqrt(2 * endpoint**2 * (1 + math.pi / (2 * 10))))
    assert floor(workload, DEFAULT_REGRESSION) == pytest.approx(expected, rel=0.02)


def test_with_fewer_than_four_endpoints_the_run_noise_stays_and_20_percent_is_out_of_reach():
    workload = Workload(rps=200, endpoints=3)
    noise = DEFAULT_REGRESSION
    expected = math.expm1(Z90 * math.sqrt(2 * (noise.endpoint_noise**2 + noise.run_noise**2)))
    assert floor(workload, noise) == pytest.approx(expected, rel=0.02)
    assert run_time_for(workload, noise, 0.2) is None


def test_the_run_time_found_is_the_shortest_that_resolves():
    workload = Workload(rps=100, endpoints=8, spread=3.0)
    seconds = run_time_for(workload, DEFAULT_REGRESSION, 0.2)
    assert seconds is not None
    assert detectable(workload, seconds, DEFAULT_REGRESSION, 0.2) <= 0.2
    assert detectable(workload, seconds / 1.1, DEFAULT_REGRESSION, 0.2) > 0.2


def test_inflation_counts_as_fewer_independent_requests():
    inflated = Workload(rps=100, endpoints=8, inflation=2.0)
    plain = Workload(rps=100, endpoints=8)
    assert detectable(inflated, 120, DEFAULT_REGRESSION, 0.2) == detectable(plain, 60, DEFAULT_REGRESSION, 0.2)


def test_too_short_a_run_has_nothing_to_compare():
    assert detectable(Workload(rps=10, endpoints=10), 5, DEFAULT_REGRESSION, 0.2) is None


def test_a_run_with_the_requests_a_percentile_needs_is_compared_however_inflated():
    """260 requests an endpoint compare a p95 in the gate (60 needed); an inflation of 4.4 must not
    make the plan call them too few (it models them as 60 independent ones, not 59)."""
    inflated = Workload(rps=111.3, endpoints=6, spread=7.6, inflation=4.4)
    assert detectable(inflated, 14, DEFAULT_REGRESSION, 0.2) is not None
    assert detectable(inflated, 14, DEFAULT_REGRESSION, 0.2) > detectable(inflated, 15, DEFAULT_REGRESSION, 0.2)
    assert detectable(Workload(rps=6, endpoints=6), 50, DEFAULT_REGRESSION, 0.2) is None  # 50 requests: too few
