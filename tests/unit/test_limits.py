import pytest

from perfgate.core.limits import parse_k6, parse_limit


@pytest.mark.parametrize(
    ("metric", "text", "op", "value"),
    [
        ("p95", "< 500ms", "<", 500.0),
        ("p95", "<500", "<", 500.0),
        ("p99", "<= 1.5s", "<=", 1500.0),
        ("p99.9", "< 2s", "<", 2000.0),
        ("avg", "< 200ms", "<", 200.0),
        ("max", "< 2000", "<", 2000.0),
        ("error_rate", "< 1%", "<", 0.01),
        ("error_rate", "<= 0.05", "<=", 0.05),
        ("failures", "< 10", "<", 10.0),
        ("requests", "> 100", ">", 100.0),
        ("rps", ">= 50/s", ">=", 50.0),
        ("rps", "> 12.5", ">", 12.5),
    ],
)
def test_limits_are_normalised_to_canonical_units(metric, text, op, value):
    limit = parse_limit(metric, text)
    assert (limit.metric, limit.op, limit.value, limit.text) == (metric, op, value, text)


@pytest.mark.parametrize(
    ("metric", "text", "message"),
    [
        ("p95", "fast", 'expected a duration limit like "< 500ms", found "fast"'),
        ("p95", "500ms", 'expected a duration limit like "< 500ms", found "500ms"'),
        ("p95", 500, 'expected a duration limit like "< 500ms", found 500'),
        ("error_rate", "< 5", 'expected a percentage ("< 5%") or a fraction below 1'),
        ("error_rate", "< 150%", "at most 100%"),
        (
            "error_rate",
            "< 1",
            'which as a fraction is 100% (only a run whose every request fails reaches it): write "< 1%"',
        ),
        ("error_rate", "less than 1.0", 'write "< 1%" for one percent, "< 100%" if that is meant'),
        ("requests", "> 1.5", 'expected a count limit like "> 100"'),
        ("latency", "< 5ms", "expected a metric"),
    ],
)
def test_bad_limits_say_what_was_expected_and_found(metric, text, message):
    with pytest.raises(ValueError, match=None) as error:
        parse_limit(metric, text)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("expression", "metric", "op", "value"),
    [
        ("p(95)<500", "p95", "<", 500.0),
        ("p(99.9) <= 1000", "p99.9", "<=", 1000.0),
        ("avg<200", "avg", "<", 200.0),
        ("med<100", "p50", "<", 100.0),
        ("max<2000", "max", "<", 2000.0),
        ("rate<0.01", "error_rate", "<", 0.01),
        ("count>100", "requests", ">", 100.0),
    ],
)
def test_k6_expressions_map_to_perfgate_limits(expression, metric, op, value):
    limit = parse_k6(expression)
    assert (limit.metric, limit.op, limit.value, limit.text) == (metric, op, value, expression)


@pytest.mark.parametrize("expression", ["p(95)==500", "foo<1", "p95<500ms", "rate<5", ""])
def test_bad_k6_expressions_are_refused(expression):
    with pytest.raises(ValueError, match="expected"):
        parse_k6(expression)


def test_holds_applies_the_operator():
    limit = parse_limit("p95", "< 500ms")
    assert limit.holds(499.9) and not limit.holds(500.0)
    assert parse_limit("requests", ">= 10").holds(10)


@pytest.mark.parametrize(
    ("metric", "text", "op", "value"),
    [
        ("p95", "less than 800ms", "<", 800.0),  # the CI/CD guide's spelling
        ("error_rate", "less than 1%", "<", 0.01),
        ("p99", "at most 1s", "<=", 1000.0),
        ("rps", "at least 50/s", ">=", 50.0),
        ("requests", "more than 100", ">", 100.0),
        ("requests", "greater than 100", ">", 100.0),
    ],
)
def test_operators_in_words(metric, text, op, value):
    limit = parse_limit(metric, text)
    assert (limit.op, limit.value) == (op, value)
