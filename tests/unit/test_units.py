import pytest

from perfgate.core.units import parse_duration_s


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        (90, 90.0),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1m30s", 90.0),  # Locust's --run-time form
        ("1h30m", 5400.0),
        (" 1h 30m 10s ", 5410.0),
        ("2m5ms", 120.005),
    ],
)
def test_durations_are_read_as_users_write_them(text, seconds):
    assert parse_duration_s(text) == pytest.approx(seconds)


def test_a_bare_number_is_in_the_default_unit():
    assert parse_duration_s("5", default_unit="ms") == parse_duration_s(5, default_unit="ms") == pytest.approx(0.005)


@pytest.mark.parametrize("text", ["", "1m30", "30s1m", "1m1m", "1mm", "fast", True])
def test_a_duration_that_is_not_one_says_what_was_expected(text):
    with pytest.raises(ValueError, match=r'expected a duration like "60s", "2m", "1m30s" or "500ms", found'):
        parse_duration_s(text)
