import math
import random
import statistics

import pytest

from perfgate.core.model import histogram_of
from perfgate.core.sampling import (
    additive_fit,
    newcombe_difference,
    quantile_distribution,
    quantile_log_variance,
    quantile_rank,
    rate_log_variance,
    regularized_beta,
    student_quantile,
    variance_inflation,
    wilson,
)
from tests.unit.synthetic import ENDPOINTS, latencies, run, stats_of


def test_regularized_beta_known_values():
    assert regularized_beta(2, 3, 0.4) == pytest.approx(0.5248, abs=1e-10)
    assert regularized_beta(1, 1, 0.3) == pytest.approx(0.3, abs=1e-12)
    assert regularized_beta(5, 5, 0.5) == pytest.approx(0.5, abs=1e-12)
    assert (regularized_beta(3, 4, 0.0), regularized_beta(3, 4, 1.0)) == (0.0, 1.0)


# tabulated quantiles of Student's t (to 6 significant digits), the far tail at few degrees of
# freedom included: a Bonferroni threshold over 20 checks of a 3-run baseline sits there
T_TABLE = [
    (0.975, 2, 4.30265),
    (0.975, 3, 3.18245),
    (0.975, 10, 2.22814),
    (0.975, 30, 2.04227),
    (0.95, 1, 6.31375),
    (0.95, 10, 1.81246),
    (0.995, 3, 5.84091),
    (0.9975, 2, 14.0890),
    (0.9995, 3, 12.9240),
    (0.9995, 5, 6.86883),
    (0.999, 30, 3.38518),
    (0.9999, 4, 13.0337),
]


@pytest.mark.parametrize(("probability", "df", "exact"), T_TABLE)
def test_student_quantile_matches_the_table(probability, df, exact):
    assert student_quantile(probability, df) == pytest.approx(exact, rel=2e-5)
    assert student_quantile(1 - probability, df) == pytest.approx(-exact, rel=2e-5)


def test_student_quantile_tends_to_the_normal():
    assert student_quantile(0.975, math.inf) == pytest.approx(1.959964, abs=1e-6)
    assert student_quantile(0.975, 1e6) == pytest.approx(1.959966, abs=1e-5)
    assert student_quantile(0.5, 4) == 0.0


def test_exact_quantile_distribution_matches_a_multinomial_bootstrap():
    stats = stats_of("GET /x", latencies(7, 100.0, 2000))
    distribution = quantile_distribution(stats.histogram, 0.95)
    assert sum(p for _, p in distribution) == pytest.approx(1.0, abs=1e-9)
    requests = [bucket for bucket, count in stats.histogram.items() for _ in range(count)]
    generator = random.Random(3)
    rank = quantile_rank(len(requests), 0.95)
    draws = [math.log(sorted(generator.choices(requests, k=len(requests)))[rank - 1]) for _ in range(1500)]
    assert math.sqrt(quantile_log_variance(stats.histogram, 0.95)) == pytest.approx(statistics.pstdev(draws), rel=0.1)


def test_quantile_variance_shrinks_with_the_number_of_requests_and_is_zero_for_one_bucket():
    small = quantile_log_variance(stats_of("GET /x", latencies(1, 100.0, 300)).histogram, 0.95)
    large = quantile_log_variance(stats_of("GET /x", latencies(1, 100.0, 3000)).histogram, 0.95)
    assert large < small / 5
    assert quantile_log_variance({7: 500}, 0.95) == 0.0


def test_window_variance_inflation_sees_drift_between_windows():
    steady = run(1, windows=12).endpoints["GET /api/v1/e0"]["windows"]["histograms"]
    steady = [histogram_of(w) for w in steady]
    assert variance_inflation(steady, 40.0) < 2.0
    drifting = [stats_of("GET /x", latencies(i, 20.0 * (1 + i % 2), 200)).histogram for i in range(12)]
    assert variance_inflation(drifting, 40.0) > 5.0
    assert variance_inflation(drifting[:4], 40.0) == 1.0  # too few windows to tell


def test_rate_variance_is_poisson_when_steady_and_larger_when_bursty():
    steady = rate_log_variance([100] * 10, [2.0] * 10)
    assert steady == pytest.approx(1 / 1000)
    assert rate_log_variance([10, 190] * 5, [2.0] * 10) > 20 * steady


def test_wilson_and_newcombe_intervals():
    low, high = wilson(0, 1000, 1.96)
    assert low == 0.0 and high == pytest.approx(0.00383, abs=1e-4)
    difference, lower, upper = newcombe_difference(56, 70, 48, 80, 1.96)  # Newcombe 1998, example (a)
    assert (difference, lower, upper) == pytest.approx((0.2, 0.0524, 0.3339), abs=1e-3)


def test_the_additive_fit_separates_run_effects_from_endpoint_levels():
    table = {key: [math.log(median) + shift for shift in (0.0, 0.1, -0.05)] for key, median in ENDPOINTS.items()}
    residuals, effects = additive_fit(table)
    assert effects == pytest.approx([-0.01667, 0.08333, -0.06667], abs=1e-4)  # relative to the mean run
    assert max(abs(r) for values in residuals.values() for r in values) < 1e-9
