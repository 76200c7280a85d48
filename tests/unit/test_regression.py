"""The comparison statistics on synthetic runs with known answers."""

import math
from dataclasses import replace

import pytest

from perfgate.core.baseline import Baseline, RunData
from perfgate.core.model import ALL_ENDPOINTS, CheckResult, Result
from perfgate.core.noise import measured_noise
from perfgate.core.profile import DEFAULT_REGRESSION, Location, RegressionRule, RegressionSettings
from perfgate.core.regression import compare, with_comparison
from perfgate.core.tolerances import parse_tolerance
from tests.unit.synthetic import ENDPOINTS, run

SLOW = "GET /api/v1/e2"


def rule(scope: str, key: str, metric: str, text: str, min_delta_ms: float | None = None) -> RegressionRule:
    return RegressionRule(scope, key, parse_tolerance(metric, text), f"regression.{key}.{metric}", Location("p", 1))


def settings(*rules: RegressionRule, **options) -> RegressionSettings:
    """A quiet runner (5% run noise) unless a test says otherwise: the mechanics are easier to see."""
    return RegressionSettings(rules=rules or DEFAULT_REGRESSION.rules, **({"run_noise": 0.05} | options))


def statuses(comparison) -> dict[tuple[str, str], str]:
    return {(c.endpoint, c.metric): c.status for c in comparison.checks}


def test_identical_runs_pass_every_check():
    comparison = compare(settings(), Baseline("b", [run(1)]), run(1))
    assert set(statuses(comparison).values()) == {"pass"}
    assert len(comparison.checks) == len(ENDPOINTS) + 2  # every endpoint, the global shift, the error rate
    assert all(c.change == 0.0 for c in comparison.checks)


def test_a_25_percent_slowdown_at_large_n_is_a_regression_and_only_there():
    comparison = compare(settings(), Baseline("b", [run(1)]), run(2, count=5000, scale={SLOW: 1.25}))
    found = statuses(comparison)
    assert found.pop((SLOW, "p95")) == "regression"
    assert set(found.values()) == {"pass"}
    slow = next(c for c in comparison.checks if c.endpoint == SLOW)
    assert slow.interval[0] < slow.adjusted_change < slow.interval[1]
    assert 0.1 < slow.adjusted_change < 0.4 and slow.detectable < 0.2
    assert slow.baseline < slow.actual and "assumed" in slow.noise


def test_a_change_within_the_tolerance_passes():
    comparison = compare(settings(), Baseline("b", [run(1)]), run(2, count=5000, scale={SLOW: 1.08}))
    assert statuses(comparison)[(SLOW, "p95")] == "pass"


def test_tiny_runs_are_inconclusive_not_pass():
    tiny_base, tiny_now = Baseline("b", [run(1, count=50)]), run(2, count=50, scale={SLOW: 1.25})
    explicit = compare(settings(rule("endpoint", SLOW, "p95", "+20%")), tiny_base, tiny_now)
    assert statuses(explicit) == {(SLOW, "p95"): "inconclusive"}
    assert "too few requests (this run/baseline: 50/50)" in explicit.checks[0].message
    by_default = compare(settings(rule("default", "default", "p95", "+20%")), tiny_base, tiny_now)
    assert statuses(by_default) == {("default", "p95"): "inconclusive"}
    assert len(by_default.skipped["p95"]) == len(ENDPOINTS)


def test_a_run_that_cannot_resolve_the_tolerance_says_by_how_much():
    explicit = settings(rule("endpoint", SLOW, "p95", "+5%"))
    comparison = compare(explicit, Baseline("b", [run(1, count=400)]), run(2, count=400))
    check = comparison.checks[0]
    assert check.status == "inconclusive" and check.detectable > 0.05
    assert f"can only detect changes of +{check.detectable:.0%}" in check.message
    assert "run longer" in check.message


def test_the_verdict_is_deterministic_across_calls():
    baseline, current = Baseline("b", [run(1)]), run(2, scale={SLOW: 1.3})
    first, second = compare(settings(), baseline, current), compare(settings(), baseline, current)
    assert first.checks == second.checks


def test_a_slow_runner_does_not_flag_every_endpoint_but_shows_as_a_global_shift():
    comparison = compare(settings(), Baseline("b", [run(1)]), run(2, count=5000, everything=1.3))
    found = statuses(comparison)
    assert found.pop((ALL_ENDPOINTS, "p95")) == "regression"
    assert set(found.values()) == {"pass"}
    assert comparison.shifts["p95"] == pytest.approx(math.log(1.3), abs=0.05)
    quiet = compare(settings(global_shift=None), Baseline("b", [run(1)]), run(2, count=5000, everything=1.3))
    assert "regression" not in statuses(quiet).values()


def test_by_default_one_baseline_run_cannot_tell_a_slow_runner_from_a_slower_build():
    # 20% assumed run noise: a 30% shift of everything is set aside as undecidable, not flagged;
    # the same shift measured against a merged baseline of quiet runs is flagged
    comparison = compare(DEFAULT_REGRESSION, Baseline("b", [run(1)]), run(2, count=5000, everything=1.3))
    assert "regression" not in statuses(comparison).values()
    assert any("all endpoints" in w for w in comparison.warnings)
    merged = compare(DEFAULT_REGRESSION, Baseline("m", [run(1), run(3), run(4)]), run(2, count=5000, everything=1.3))
    assert statuses(merged)[(ALL_ENDPOINTS, "p95")] == "regression"


def test_without_enough_endpoints_for_a_common_shift_the_run_noise_is_added():
    two = settings(rule("endpoint", SLOW, "p95", "+20%"), rule("endpoint", "GET /api/v1/e1", "p95", "+20%"))
    baseline = Baseline("b", [run(1)])
    current = run(2)
    current.endpoints = {k: v for k, v in current.endpoints.items() if k in (SLOW, "GET /api/v1/e1")}
    alone = compare(two, baseline, current)
    together = compare(two, baseline, run(2))
    width = {c.endpoint: c.interval[1] - c.interval[0] for c in alone.checks}
    assert all(width[c.endpoint] > c.interval[1] - c.interval[0] for c in together.checks if c.endpoint in width)
    assert "p95" not in alone.shifts and "p95" in together.shifts


def test_bonferroni_widens_the_significance_bar_with_more_checks():
    baseline, current = Baseline("b", [run(1, count=800)]), run(2, count=800, scale={SLOW: 1.22})
    one = compare(settings(rule("endpoint", SLOW, "p95", "+20%")), baseline, current)
    many_rules = [rule("endpoint", SLOW, "p95", "+20%")] + [
        rule("endpoint", key, metric, "+20%") for key in ENDPOINTS for metric in ("p50", "p75", "p90")
    ]
    many = compare(settings(*many_rules), baseline, current)
    alone = one.checks[0]
    crowded = next(c for c in many.checks if c.endpoint == SLOW and c.metric == "p95")
    assert alone.adjusted_change == crowded.adjusted_change > 0.2  # the same estimate, beyond the tolerance
    assert (alone.status, crowded.status) == ("regression", "pass")  # 1 check vs 19: a stricter bar


def test_min_delta_keeps_tiny_absolute_changes_from_being_regressions():
    fast = {SLOW: 1.6}
    current, baseline = run(2, count=5000, scale=fast), Baseline("b", [run(1, count=5000)])
    flagged = compare(settings(rule("endpoint", SLOW, "p95", "+20%")), baseline, current)
    assert flagged.checks[0].status == "regression"
    delta = flagged.checks[0].actual - flagged.checks[0].baseline
    guarded = settings(rule("endpoint", SLOW, "p95", "+20%"), min_delta_ms=delta + 1)
    assert compare(guarded, baseline, current).checks[0].status == "pass"


def test_improvements_are_reported():
    comparison = compare(settings(), Baseline("b", [run(1)]), run(2, count=5000, scale={SLOW: 0.6}))
    assert statuses(comparison)[(SLOW, "p95")] == "improvement"


def test_error_rate_rise_in_percentage_points():
    errors = settings(rule("global", "global", "error_rate", "+0.5pp"))
    baseline = Baseline("b", [run(1, failures={SLOW: 2})])
    risen = compare(errors, baseline, run(2, failures={SLOW: 100}))
    assert statuses(risen) == {("global", "error_rate"): "regression"}
    assert risen.checks[0].change == pytest.approx((100 - 2) / (2000 * len(ENDPOINTS)))
    assert statuses(compare(errors, baseline, run(2, failures={SLOW: 8}))) == {("global", "error_rate"): "pass"}


def test_throughput_fall():
    rps = settings(rule("default", "default", "rps", "-15%"))
    baseline = Baseline("b", [run(1, count=3000, windows=12)])
    slower = compare(rps, baseline, run(2, count=2000, windows=12))
    assert set(statuses(slower).values()) == {"regression"}
    assert slower.checks[0].change == pytest.approx(2000 / 3000 - 1)
    assert set(statuses(compare(rps, baseline, run(2, count=3000, windows=12))).values()) == {"pass"}


def test_a_merged_baseline_measures_the_noise_and_names_it():
    merged = Baseline("m", [run(1), run(3), run(4)])
    comparison = compare(settings(), merged, run(2, scale={SLOW: 1.4}))
    assert comparison.noise["p95"].startswith("measured from 3 baseline runs")
    assert statuses(comparison)[(SLOW, "p95")] == "regression"
    single = compare(settings(), Baseline("b", [run(1)]), run(2))
    assert single.noise["p95"].startswith("assumed")


def test_run_noise_is_measured_from_runs_that_tie_on_millisecond_buckets():
    # p95s in ms of three real 40 s runs of the CI job on the demo API: a median polish of this table
    # finds run effects of exactly 0 and the endpoint residuals mostly 0
    p95s = [[34, 28, 34], [11, 11, 11], [14, 12, 12], [15, 13, 13], [11, 11, 12], [12, 11, 11]]
    p95s += [[11, 10, 10], [12, 10, 13], [13, 14, 13], [12, 10, 11], [14, 14, 13], [11, 10, 11]]
    table = {f"e{i}": [math.log(ms) for ms in row] for i, row in enumerate(p95s)}
    noise = measured_noise(table, [0.002] * 36, 3)
    assert 0.03 < noise.run < 0.06 and 0.03 < noise.endpoint < 0.09, noise
    assert (noise.df, noise.run_df) == (22, 2)


def test_new_and_gone_endpoints_are_listed():
    current = run(2)
    current.endpoints["GET /api/v1/new"] = current.endpoints.pop(SLOW)
    comparison = compare(settings(), Baseline("b", [run(1)]), current)
    assert comparison.new == ["GET /api/v1/new"] and comparison.gone == [SLOW]
    assert any("new since the baseline" in w for w in comparison.warnings)
    assert any(SLOW in w and "not in this run" in w for w in comparison.warnings)


def test_an_invalid_run_cannot_regress():
    comparison = compare(settings(), Baseline("b", [run(1)]), run(2, scale={SLOW: 2.0}), ["the generator saturated"])
    check = next(c for c in comparison.checks if c.endpoint == SLOW)
    assert check.status == "inconclusive" and "the generator saturated" in check.message


def test_with_comparison_sets_exit_code_4_and_fail_beats_regression():
    current = run(2, scale={SLOW: 2.0})
    result = Result("pass", 0, "", 60, "", "ci.yaml", {}, [], current.endpoints, measurement={"measured_s": 60})
    judged = with_comparison(result, None, Baseline("b", [run(1)]))
    assert (judged.verdict, judged.exit_code) == ("regression", 4)
    assert judged.comparison is not None and judged.comparison["baseline"] == "b"
    assert any("built-in defaults" in w for w in judged.warnings)
    failing = CheckResult("global", "error_rate", "< 1%", 0.5, "fail", "breaks the limit")
    judged = with_comparison(replace(result, checks=[failing]), None, Baseline("b", [run(1)]))
    assert (judged.verdict, judged.exit_code) == ("fail", 3)
    again = with_comparison(judged, None, Baseline("b", [run(1)]))
    assert [c.status for c in again.checks] == [c.status for c in judged.checks]
    assert len(again.warnings) == len(judged.warnings)


def test_compatibility_warnings_for_other_profile_host_and_load():
    baseline = RunData("b.json", run(1).endpoints, host="http://10.0.0.1:80", profile="t/staging.yaml")
    baseline.load = {"users": 20}
    current = replace(run(2), host="http://127.0.0.1:9000", profile="t/ci.yaml", load={"users": 50})
    warnings = compare(settings(), Baseline("b.json", [baseline]), current).warnings
    assert any("profile t/staging.yaml" in w for w in warnings)
    assert any("ran against http://10.0.0.1:80" in w for w in warnings)
    assert any("users 20, this run with 50" in w for w in warnings)
    loopback = replace(baseline, host="http://127.0.0.1:8123", profile="other/ci.yaml", load={"users": 50})
    assert compare(settings(), Baseline("b", [loopback]), current).warnings == []
