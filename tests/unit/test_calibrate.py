"""perfgate calibrate's figures on synthetic runs whose noise is known: the limits are what the
formula in core/calibrate.py's docstring gives, recomputed here from its parts."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import pytest

from perfgate.core.baseline import pooled
from perfgate.core.calibrate import Targets, calibrate, fewest_likely, nice_up, refusals
from perfgate.core.noise import measured_noise
from perfgate.core.profile import DEFAULT_REGRESSION
from perfgate.core.sampling import log_ms, normal_quantile, quantile_log_variance
from tests.unit.synthetic import ENDPOINTS, run

SLOWER = (1.0, 1.35, 0.8, 1.1)  # every endpoint of run i is this much slower: a noisy runner


def runs(count: int = 4, requests: int = 2000):
    made = [run(seed, count=requests, everything=SLOWER[seed % len(SLOWER)], windows=8) for seed in range(count)]
    return [replace(r, profile="thresholds/ci.yaml", host="http://127.0.0.1:1", load={"users": 50}) for r in made]


def test_readable_values_round_up():
    assert [nice_up(v) for v in (7.0, 10.0, 10.4, 11.9, 13, 17, 23, 26, 31, 39, 47, 55, 61, 79, 81, 0.0)] == [
        8.0,
        10.0,
        12.0,
        12.0,
        15.0,
        20.0,
        25.0,
        30.0,
        40.0,
        40.0,
        50.0,
        60.0,
        80.0,
        80.0,
        100.0,
        0.0,
    ]


def test_the_limits_are_the_formulas_figures():
    measured = runs()
    targets = Targets(breach=0.001)
    calibration = calibrate(measured, targets, DEFAULT_REGRESSION)
    table = {key: [log_ms(pooled([r], key).percentile(0.95)) for r in measured] for key in ENDPOINTS}
    sampling = {key: [quantile_log_variance(pooled([r], key).histogram, 0.95) for r in measured] for key in ENDPOINTS}
    noise = measured_noise(table, [v for values in sampling.values() for v in values], len(measured))
    # the runs were made 35% slower and 20% faster: the measured run noise is above the assumed 20%
    assert noise.run > DEFAULT_REGRESSION.run_noise
    limits = len(ENDPOINTS) * 2 + 1  # p95 and p99 of every endpoint (2000 requests each), the error rate
    z = normal_quantile(1 - 0.001 / limits)
    p95 = {limit.endpoint: limit for limit in calibration.limits if limit.metric == "p95"}
    assert set(p95) == set(ENDPOINTS) and calibration.limit_count == limits
    for key in ENDPOINTS:
        endpoint_sd = max(noise.endpoint, DEFAULT_REGRESSION.endpoint_noise)
        variance = (noise.run**2 + endpoint_sd**2 + statistics.fmean(sampling[key])) * (1 + 1 / len(measured))
        bound = math.exp(statistics.fmean(table[key]) + z * math.sqrt(variance))
        assert p95[key].bound_ms == pytest.approx(bound, rel=1e-9)
        assert p95[key].limit_ms == max(10.0, nice_up(bound))
        assert p95[key].limit_ms >= max(math.exp(v) for v in table[key])


def test_a_quiet_runner_still_gets_the_assumed_run_noise():
    quiet = [replace(r, profile="ci.yaml") for r in (run(seed, count=2000) for seed in range(3))]
    calibration = calibrate(quiet, Targets(), DEFAULT_REGRESSION)
    assert calibration.noise["p95"].run < DEFAULT_REGRESSION.run_noise
    limit = next(limit for limit in calibration.limits if limit.metric == "p95")
    # with 3 runs the SD is uncertain by about half: never narrower than the profile assumes
    assert limit.sd >= DEFAULT_REGRESSION.run_noise * math.sqrt(1 + 1 / 3)


def test_a_lower_breach_probability_and_a_margin_loosen_every_limit():
    measured = runs()
    strict = calibrate(measured, Targets(breach=0.05), DEFAULT_REGRESSION)
    loose = calibrate(measured, Targets(breach=0.0001, margin=0.5), DEFAULT_REGRESSION)
    pairs = zip(strict.limits, loose.limits, strict=True)
    assert all(b.bound_ms > a.bound_ms * 1.5 for a, b in pairs)


def test_the_floor_holds_for_fast_endpoints():
    calibration = calibrate(runs(), Targets(floor_ms=5000.0), DEFAULT_REGRESSION)
    assert {limit.limit_ms for limit in calibration.limits} == {5000.0}


def test_the_error_rate_limit_has_the_binomial_headroom_of_one_run():
    measured = [replace(run(seed, count=2000, failures={"GET /api/v1/e0": 40}), profile="ci.yaml") for seed in range(3)]
    calibration = calibrate(measured, Targets(error_floor=0.001), DEFAULT_REGRESSION)
    error = calibration.error
    assert error is not None and (error.failures, error.requests) == (120, 36000)
    assert 120 / 36000 < error.bound < error.limit < 0.02


def test_endpoints_with_too_few_requests_are_left_out_and_named():
    calibration = calibrate(runs(requests=100), Targets(), DEFAULT_REGRESSION)
    assert {limit.metric for limit in calibration.limits} == {"p95"}
    assert any("p99: 100 requests in a run, a limit needs 300" in item for item in calibration.left_out)


def test_a_percentile_its_runs_only_just_reach_gets_no_limit_a_further_run_could_miss():
    z = normal_quantile(1 - Targets().breach)
    # mean 305, SD max(5, sqrt(305)) x sqrt(4/3): a further run may get 242
    assert fewest_likely([300, 305, 310], z) == math.floor(305 - z * math.sqrt(305) * math.sqrt(4 / 3)) == 242
    assert fewest_likely([200, 400, 600], z) < fewest_likely([390, 400, 410], z)  # the counts' own spread
    thin = calibrate(runs(3, requests=320), Targets(), DEFAULT_REGRESSION)
    assert {limit.metric for limit in thin.limits} == {"p95"}
    assert any("p99: 320-320 requests in a run, and a further run" in item for item in thin.left_out), thin.left_out
    ample = calibrate(runs(3, requests=500), Targets(), DEFAULT_REGRESSION)
    assert {limit.metric for limit in ample.limits} == {"p95", "p99"}


def test_tolerances_the_run_cannot_resolve_say_what_would():
    calibration = calibrate(runs(requests=300), Targets(tolerance=0.05), DEFAULT_REGRESSION)
    findings = [f for f in calibration.tolerances if f.metric == "p95"]
    assert findings and all(f.detectable > 0.05 and f.tolerance >= f.detectable for f in findings)
    assert all(f.tolerance * 100 % 5 < 1e-6 or f.tolerance * 100 % 5 > 5 - 1e-6 for f in findings)
    resolvable = [f for f in findings if f.needed_requests is not None]
    unreachable = [f for f in findings if f.unreachable]
    assert resolvable or unreachable
    assert all(f.needed_requests > f.requests for f in resolvable)


def test_refusals_name_too_few_runs_and_unlike_runs():
    two = runs(2)
    assert "2 run(s): calibration needs at least 3" in refusals(two)[0]
    mixed = runs(3)
    mixed[2] = replace(mixed[2], profile="thresholds/staging.yaml", load={"users": 80})
    found = refusals(mixed)
    assert any("profile thresholds/ci.yaml, this run thresholds/staging.yaml" in line for line in found)
    assert any("users 50, this run with 80" in line for line in found)
    assert refusals(runs(3)) == []
