"""Latency checks that passed on mostly failed requests, and failures no limit counts: warned of."""

from perfgate.core.evaluate import evaluate
from perfgate.core.failed_latency import failed_latency_warnings
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
