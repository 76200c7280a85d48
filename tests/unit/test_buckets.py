import pytest

from perfgate.buckets import bucket_ms


@pytest.mark.parametrize(
    ("ms", "bucket"), [(0.4, 0), (2.6, 3), (147.2, 147), (999.4, 999), (3432, 3430), (58760, 58800), (123456, 123000)]
)
def test_three_significant_digits(ms, bucket):
    assert bucket_ms(ms) == bucket


def test_relative_error_from_100ms_up_is_at_most_half_a_percent():
    samples = [100 + i * 0.37 for i in range(300_000)]
    assert max(abs(bucket_ms(ms) - ms) / ms for ms in samples) <= 0.005
