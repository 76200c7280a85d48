import pytest

from benchmarks.harness import clopper_pearson, median_interval, rate
from benchmarks.overhead import same_window_ratio


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


def _readings(first, second, every=0.5):
    """Readings of two targets' running totals, one pair per `every` seconds."""
    return [(i * every, a, b) for i, (a, b) in enumerate(zip(first, second, strict=True))]


def test_the_same_window_ratio_counts_only_while_both_targets_served():
    # the first target serves 100 a reading from reading 1 to 20; the second 90 from reading 5
    # to 24: alone at either end, which must not count
    first = [min(max(i - 1, 0), 20) * 100 for i in range(30)]
    second = [min(max(i - 5, 0), 20) * 90 for i in range(30)]
    assert same_window_ratio(_readings(first, second)) == pytest.approx(0.9)


def test_the_same_window_ratio_leaves_out_a_trimmed_second_at_each_end():
    # both serve 100 a reading from reading 1 to 21; the second only 10 in its first and last
    # second (two readings each), as a generator that is still spawning or already stopping
    def totals(steps):
        return [sum(steps[: i + 1]) for i in range(len(steps))] + [sum(steps)] * 3

    steady = totals([0] + [100] * 20)
    ramped = totals([0, 10, 10] + [100] * 16 + [10, 10])
    assert same_window_ratio(_readings(steady, ramped)) == pytest.approx(1.0)
    assert same_window_ratio(_readings(steady, ramped), trim_s=0.0) < 0.95


def test_no_same_window_ratio_from_too_short_an_overlap_or_a_target_that_served_nothing():
    first = [min(i, 6) * 100 for i in range(12)]
    assert same_window_ratio(_readings(first, [max(i - 5, 0) * 100 for i in range(12)])) is None
    assert same_window_ratio(_readings(first, [0] * 12)) is None
