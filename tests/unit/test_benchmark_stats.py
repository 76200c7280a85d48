import pytest

from benchmarks.harness import clopper_pearson, rate


@pytest.mark.parametrize(
    ("successes", "trials", "lower", "upper"),
    [(0, 59, 0.0, 0.0606), (1, 59, 0.00043, 0.0909), (0, 20, 0.0, 0.1684), (5, 10, 0.1871, 0.8129)],
)
def test_clopper_pearson_matches_the_exact_binomial_interval(successes, trials, lower, upper):
    low, high = clopper_pearson(successes, trials)
    assert low == pytest.approx(lower, abs=1e-4)
    assert high == pytest.approx(upper, abs=1e-4)


def test_a_rate_carries_its_count_and_interval_in_percent():
    assert rate(3, 60) == {"count": 3, "of": 60, "percent": 5.0, "ci95": [1.0, 13.9]}
