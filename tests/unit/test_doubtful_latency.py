"""Latency checks that passed on mostly failed requests, and failures no limit counts: warned of."""

from perfgate.core.doubtful_latency import failed_latency_warnings, seconds_warnings
from perfgate.core.evaluate import evaluate
from tests.unit.test_evaluate import profile, snapshot, stats

BROKEN = 'endpoints:\n  "GET /a": {p95: "< 500ms"}\n  "GET /b": {p95: "< 500ms"}\n'


def run(failures_a: int, failures_b: int = 0):
    a, b = stats("GET", "/a", [5] * 100), stats("GET", "/b", [20] * 100)
    a.failures, b.failures = failures_a, failures_b
    return snapshot(a, b)


def test_a_latency_pass_on_mostly_failed_requests_is_named(tmp_path):
    rules = profile(tmp_path, BROKEN + 'global: {error_rate: "< 60%"}\n')
    measured = run(100)
    checks = evaluate(rules, measured)
    assert [c.status for c in checks] == ["pass", "pass", "pass"]  # a quick 401 everywhere on /a, 50% in all
    assert failed_latency_warnings(rules, checks, measured, compared=False) == [
        "GET /a: its latency checks passed on requests of which 100 of 100 (100%) failed: "
        "they measured the failures, not the endpoint"
    ]
    fewer = run(49)
    assert failed_latency_warnings(rules, evaluate(rules, fewer), fewer, compared=False) == []


def test_failures_that_no_limit_counts_are_named_unless_a_baseline_judges_them(tmp_path):
    rules = profile(tmp_path, BROKEN)
    measured = run(0, 10)
    checks = evaluate(rules, measured)
    (warning,) = failed_latency_warnings(rules, checks, measured, compared=False)
    assert warning.startswith("10 of 200 requests failed (5.0%) and the profile has no error_rate or failures limit")
    assert failed_latency_warnings(rules, checks, measured, compared=True) == []
    counted = profile(tmp_path, BROKEN + 'global: {failures: "< 20"}\n')
    assert failed_latency_warnings(counted, evaluate(counted, measured), measured, compared=False) == []


def test_a_latency_pass_on_times_all_under_a_millisecond_is_named_as_maybe_seconds(tmp_path):
    """A custom client that fired time.perf_counter() - start: a 200 ms call reported as 0.2."""
    rules = profile(tmp_path, 'default: {p95: "< 100ms"}\nendpoints:\n  "grpc Slow": {p95: "< 0.1ms"}\n')
    seconds = stats("grpc", "SayHello", [0.2] * 99 + [0.35])  # type: ignore[list-item]
    fast_cache = stats("grpc", "Slow", [0.2] * 100)  # type: ignore[list-item]
    http = stats("GET", "/a", [0.4] * 99 + [3])  # type: ignore[list-item]
    measured = snapshot(seconds, fast_cache, http)
    checks = evaluate(rules, measured)
    assert {(c.endpoint, c.status) for c in checks} == {
        ("grpc Slow", "fail"),
        ("grpc SayHello", "pass"),
        ("GET /a", "pass"),
    }
    assert seconds_warnings(checks, measured) == [
        "latency checks passed on requests that each took under 1 ms: grpc SayHello (the slowest of 100: 0.35 ms); "
        "Locust's unit is the millisecond: if a client fires events.request with seconds "
        "(time.perf_counter() - start), multiply by 1000"
    ]
    assert seconds_warnings(evaluate(rules, snapshot(http)), snapshot(http)) == []
