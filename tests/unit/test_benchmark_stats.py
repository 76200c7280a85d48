import pytest

from benchmarks.harness import clopper_pearson, median_interval, rate


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


@pytest.mark.parametrize(
    ("n", "ranks"),  # the order statistics of the tabulated 95% interval of a median
    [(6, (1, 6)), (7, (1, 7)), (9, (2, 8)), (11, (2, 10)), (15, (4, 12)), (21, (6, 16))],
)
def test_the_median_interval_is_the_tabulated_pair_of_order_statistics(n, ranks):
    assert median_interval([float(i) for i in range(n, 0, -1)]) == ranks


def test_five_values_are_too_few_for_a_95_percent_interval_of_their_median():
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) is None
