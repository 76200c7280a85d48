import random
from collections import Counter

import pytest

from perfgate.core.buckets import bucket_ms, bucket_width_ms, counted, grid, rounded_bucket_ms
from perfgate.core.model import _stored, histogram_of


@pytest.mark.parametrize(
    ("ms", "bucket"),
    [
        (0, 0),
        (0.4321, 0.432),
        (1.234, 1.23),
        (2.013, 2.02),
        (9.4321, 9.45),
        (147.2, 147),
        (999.4, 1000),
        (3432, 3440),
        (58760, 59000),
        (123456, 123000),
    ],
)
def test_three_significant_digits_on_a_1_2_5_grid(ms, bucket):
    assert bucket_ms(ms) == bucket


def test_relative_error_at_every_magnitude_is_at_most_half_a_percent():
    draw = random.Random(7)
    samples = [10 ** draw.uniform(-2, 5) for _ in range(200_000)]
    assert max(abs(bucket_ms(ms) - ms) / ms for ms in samples) <= 0.005


def test_a_decade_has_at_most_350_buckets():
    assert len({bucket_ms(10 + i * 0.001) for i in range(90_000)}) <= 351


def test_the_width_is_the_step_between_neighbouring_buckets():
    assert bucket_width_ms(9.45) == pytest.approx(0.05)
    assert bucket_ms(9.45 + bucket_width_ms(9.45)) == pytest.approx(9.5)


def test_fractional_buckets_survive_result_json():
    histogram = {0.432: 3, 9.45: 5, 147: 2}
    assert histogram_of(_stored(histogram)) == histogram


def test_the_grid_lookup_is_the_formula_it_is_built_from():
    """Away from a tie (a time exactly between two buckets, which a measured time never is) the
    lookup and the rounding formula agree at every magnitude, and in type (ints from 100 ms up)."""
    draw = random.Random(3)
    for ms in [10 ** draw.uniform(-3.5, 7.5) for _ in range(100_000)] + [0, -1, 1e-9, 2e8]:
        looked_up, rounded = bucket_ms(ms), rounded_bucket_ms(ms)
        assert (looked_up, type(looked_up)) == (rounded, type(rounded)), ms


def test_counting_a_batch_puts_every_time_where_the_lookup_does():
    """Ties (a time exactly on a midpoint goes up), repeats, ints, and times off the grid too."""
    draw = random.Random(9)
    _, midpoints = grid()
    times = [draw.lognormvariate(1.5, 2.5) for _ in range(50_000)]
    times += [*draw.sample(midpoints, 500), 147, 147, 3, 0, -2, 1e-9, 2e8, 2e8, *times[:1_000]]
    expected = Counter(map(bucket_ms, times))
    batch = draw.sample(times, len(times))
    assert counted(batch) == expected
    assert counted([]) == Counter()
