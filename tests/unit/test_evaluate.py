from pathlib import Path

import pytest

from perfgate.config.profile import load_profile
from perfgate.core.evaluate import (
    LiveFindings,
    evaluate,
    exit_code_of,
    min_requests_for,
    settled_exit_code,
    verdict_of,
)
from perfgate.core.model import CheckResult, EndpointStats, Snapshot


def stats(method: str, name: str, times: list[int], failures: int = 0) -> EndpointStats:
    histogram: dict[int, int] = {}
    for t in times:
        histogram[t] = histogram.get(t, 0) + 1
    return EndpointStats(method, name, len(times), failures, histogram, float(sum(times)), min(times), max(times))


def snapshot(*entries: EndpointStats, duration_s: float = 10.0) -> Snapshot:
    total = EndpointStats("", "Aggregated")
    for e in entries:
        total.requests += e.requests
        total.failures += e.failures
        total.total_response_time += e.total_response_time
        for bucket, count in e.histogram.items():
            total.histogram[bucket] = total.histogram.get(bucket, 0) + count
    return Snapshot({e.key: e for e in entries}, total, duration_s)


def profile(tmp_path: Path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\n" + text)
    return load_profile(path)


def test_percentile_matches_locusts_calculation():
    # as locust.stats.calculate_response_time_percentile: the largest bucket b with at most
    # int(n * q) requests faster than b, so that our tables agree with Locust's (1..100 -> p95 = 96)
    entry = stats("GET", "/a", list(range(1, 101)))
    assert (entry.percentile(0.95), entry.percentile(0.5), entry.percentile(1.0)) == (96, 51, 100)
    outlier = stats("GET", "/a", [10] * 99 + [900])
    assert (outlier.percentile(0.98), outlier.percentile(0.99)) == (10, 900)


def test_endpoint_rule_passes_and_fails(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /api/v1/projects": {p95: "< 500ms", avg: "< 100ms"}\n')
    fast = evaluate(rules, snapshot(stats("GET", "/api/v1/projects", [20] * 100)))
    assert [c.status for c in fast] == ["pass", "pass"]
    slow = evaluate(rules, snapshot(stats("GET", "/api/v1/projects", [20] * 90 + [700] * 10)))
    assert [(c.metric, c.status, c.actual) for c in slow] == [("p95", "fail", 700.0), ("avg", "pass", 88.0)]
    assert slow[0].source.endswith("p.yaml:3") and slow[0].message == "p95 700ms breaks the limit < 500ms"


def test_method_is_optional_and_globs_match_each_endpoint(tmp_path):
    rules = profile(
        tmp_path, 'endpoints:\n  "/api/v1/builds": {p95: "< 1s"}\n  "GET /api/v1/reports/*": {p95: "< 1s"}\n'
    )
    checks = evaluate(
        rules,
        snapshot(
            stats("POST", "/api/v1/builds", [5]),
            stats("GET", "/api/v1/reports/lead-time", [5]),
            stats("GET", "/api/v1/reports/change-failure-rate", [5]),
            stats("POST", "/api/v1/reports/export", [5]),
        ),
    )
    assert sorted(c.endpoint for c in checks) == [
        "GET /api/v1/reports/change-failure-rate",
        "GET /api/v1/reports/lead-time",
        "POST /api/v1/builds",
    ]


def test_glob_treats_query_characters_literally(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /search?q=*": {p95: "< 1s"}\n')
    checks = evaluate(rules, snapshot(stats("GET", "/search?q=x", [5]), stats("GET", "/searchXq=x", [5])))
    assert [c.endpoint for c in checks] == ["GET /search?q=x"]


def test_a_key_matching_no_requested_endpoint_is_no_data(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 1s"}\n  "GET /missing": {p95: "< 1s"}\n')
    empty_entry = EndpointStats("GET", "/missing")  # an entry Locust created but never counted
    checks = evaluate(rules, snapshot(stats("GET", "/a", [5] * 60), empty_entry))
    assert [(c.endpoint, c.status) for c in checks] == [("GET /a", "pass"), ("GET /missing", "no_data")]
    assert verdict_of(checks) == "inconclusive" and exit_code_of("inconclusive") == 5


def test_default_applies_only_to_endpoints_without_their_own_rules(tmp_path):
    rules = profile(tmp_path, 'default: {p99: "< 100ms"}\nendpoints:\n  "GET /slow": {p99: "< 2s"}\n')
    checks = evaluate(rules, snapshot(stats("GET", "/slow", [900] * 300), stats("GET", "/fast", [5] * 300)))
    assert sorted((c.endpoint, c.status) for c in checks) == [("GET /fast", "pass"), ("GET /slow", "pass")]


def test_global_rules_use_the_aggregate(tmp_path):
    rules = profile(tmp_path, 'global: {error_rate: "< 5%", requests: ">= 100", rps: ">= 20/s", failures: "< 3"}\n')
    checks = evaluate(rules, snapshot(stats("GET", "/a", [5] * 100, failures=4), stats("GET", "/b", [5] * 100)))
    assert {c.metric: (c.status, c.actual) for c in checks} == {
        "error_rate": ("pass", 0.02),
        "requests": ("pass", 200.0),
        "rps": ("pass", 20.0),
        "failures": ("fail", 4.0),
    }
    assert verdict_of(checks) == "fail"


def test_no_requests_at_all_is_no_data_for_global_and_default(tmp_path):
    rules = profile(tmp_path, 'global: {error_rate: "< 1%"}\ndefault: {p95: "< 1s"}\n')
    assert {c.status for c in evaluate(rules, snapshot())} == {"no_data"}


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "no_data"], "inconclusive"),
        (["regression", "no_data"], "regression"),
        (["fail", "regression", "no_data"], "fail"),
    ],
)
def test_verdict_precedence(statuses, verdict):
    checks = [CheckResult("e", "p95", "< 1s", 1.0, status, "") for status in statuses]
    assert verdict_of(checks) == verdict


@pytest.mark.parametrize(
    ("metric", "needed"), [("p50", 30), ("p95", 60), ("p99", 300), ("p99.9", 3000), ("avg", 30), ("requests", 0)]
)
def test_default_min_requests_follow_the_percentile(tmp_path, metric, needed):
    operator = ">" if metric == "requests" else "<"
    loaded = profile(tmp_path, f'global: {{{metric}: "{operator} 1"}}\n')
    assert loaded.settings.min_requests is None
    assert min_requests_for(loaded.rules[0].limit, loaded.settings) == needed


def test_too_few_requests_make_a_pass_inconclusive_but_a_breach_still_fails(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 100ms"}\n  "GET /b": {p95: "< 100ms"}\n')
    checks = evaluate(rules, snapshot(stats("GET", "/a", [5] * 59), stats("GET", "/b", [500] * 10)))
    assert [(c.endpoint, c.status) for c in checks] == [("GET /a", "inconclusive"), ("GET /b", "fail")]
    assert "only 59 requests after warm-up: p95 needs at least 60" in checks[0].message
    explicit = profile(tmp_path, 'settings: {min_requests: 10}\nendpoints:\n  "GET /a": {p95: "< 100ms"}\n')
    assert evaluate(explicit, snapshot(stats("GET", "/a", [5] * 10)))[0].status == "pass"


def test_a_pass_keeps_a_failing_code_another_listener_set_and_any_other_verdict_stands():
    assert [settled_exit_code(0, other) for other in (None, 0, 1, 7)] == [0, 0, 1, 7]
    assert [settled_exit_code(3, other) for other in (None, 0, 1)] == [3, 3, 3]
    assert settled_exit_code(5, 0) == 5 and settled_exit_code(4, 1) == 4


def test_on_inconclusive_maps_the_exit_code():
    assert [exit_code_of("inconclusive", policy) for policy in ("inconclusive", "fail", "pass")] == [5, 3, 0]
    assert exit_code_of("fail", "pass") == 3


def test_percentiles_in_one_pass_equal_single_percentiles():
    entry = stats("GET", "/a", [1, 3, 3, 7, 20, 20, 20, 150, 900, 900] * 13 + [4000])
    quantiles = (0.99, 0.5, 0.95, 0.9, 1.0, 0.0)
    assert entry.percentiles(quantiles) == [entry.percentiles((q,))[0] for q in quantiles]
    assert entry.percentiles((0.5, 0.95)) == [20.0, 900.0]


def test_a_key_that_matches_nothing_says_what_to_write(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /api/v1/project": {p95: "< 1s"}\n')
    (check,) = evaluate(rules, snapshot(stats("GET", "GET /api/v1/projects", [5] * 100)))
    assert check.status == "no_data"
    assert check.message.startswith("no endpoint that received requests matches 'GET /api/v1/project'; closest")
    assert "'GET /api/v1/projects'" in check.message


def test_the_runs_own_reason_for_no_data_comes_before_guesses(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /api/v1/project": {p95: "< 1s"}\n')
    measured = snapshot(stats("GET", "/api/v1/projects", [5] * 100))
    (check,) = evaluate(rules, measured, explain=lambda key: f"{key} belongs to an idle class")
    assert check.message.endswith("; GET /api/v1/project belongs to an idle class")


def test_a_key_whose_endpoint_had_requests_only_in_the_warmup(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "POST /login": {p95: "< 1s"}\n')
    warmed = snapshot(stats("POST", "/login", [5]), stats("GET", "/a", [5] * 10))
    measured = Snapshot(
        {key: s.minus(s) if key == "POST /login" else s for key, s in warmed.endpoints.items()}, warmed.total, 10
    )
    (check,) = evaluate(rules, measured)
    assert "matches 'POST /login', which got requests only during the warm-up" in check.message


def test_too_few_requests_says_how_many_and_how_to_get_them(tmp_path):
    rules = profile(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 1s"}\n  "POST /login": {p95: "< 1s"}\n')
    measured = snapshot(stats("GET", "/a", [5] * 20), stats("POST", "/login", [5] * 10), duration_s=10)
    live = LiveFindings(late={"GET /a": 10, "POST /login": 0}, peak_users=20)
    by_endpoint = {c.endpoint: c.message for c in evaluate(rules, measured, live)}
    assert by_endpoint["GET /a"].startswith("only 20 requests after warm-up: p95 needs at least 60")
    assert "at its 2.00/s, 30s of measurement would get them" in by_endpoint["GET /a"]
    login = by_endpoint["POST /login"]
    assert "none came in the second half of the run" in login
    assert "a longer run adds none: run with about 120 users (now 20)" in login
