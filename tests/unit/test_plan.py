"""perfgate plan: the comparison on synthetic runs, against what its variance composition implies, and
on a trial run's own endpoints scaled to the planned length."""

from __future__ import annotations

import io
import itertools
import json
import math
from contextlib import redirect_stderr, redirect_stdout

import pytest

from perfgate.cli import main
from perfgate.core.baseline import Baseline, RunData, merge
from perfgate.core.buckets import bucket_ms
from perfgate.core.plan import SHAPE_REQUESTS, Workload, detectable, floor, run_time_for, synthetic_histogram
from perfgate.core.profile import DEFAULT_REGRESSION
from perfgate.core.sampling import normal_quantile
from tests.unit import synthetic

Z90 = normal_quantile(0.95)


def test_the_synthetic_histogram_has_the_requests_and_the_spread_asked_for():
    histogram = synthetic_histogram(10_000, 3.0)
    assert sum(histogram.values()) == 10_000
    ordered = sorted(histogram)
    cumulative, p50, p95 = 0, None, None
    for bucket in ordered:
        cumulative += histogram[bucket]
        p50 = p50 or (bucket if cumulative >= 5000 else None)
        p95 = p95 or (bucket if cumulative >= 9500 else None)
    assert p95 / p50 == pytest.approx(3.0, rel=0.02)


def test_longer_runs_detect_smaller_changes_down_to_the_noise_between_runs():
    workload = Workload(rps=200, endpoints=10)
    found = [detectable(workload, seconds, DEFAULT_REGRESSION, 0.2) for seconds in (15, 60, 240, 960)]
    assert all(a > b for a, b in itertools.pairwise(found))
    # an endless run leaves the endpoint noise of both sides and its 1/K share in the common shift
    endpoint = DEFAULT_REGRESSION.endpoint_noise
    expected = math.expm1(Z90 * math.sqrt(2 * endpoint**2 * (1 + math.pi / (2 * 10))))
    assert floor(workload, DEFAULT_REGRESSION) == pytest.approx(expected, rel=0.02)


def test_with_fewer_than_four_endpoints_the_run_noise_stays_and_20_percent_is_out_of_reach():
    workload = Workload(rps=200, endpoints=3)
    noise = DEFAULT_REGRESSION
    expected = math.expm1(Z90 * math.sqrt(2 * (noise.endpoint_noise**2 + noise.run_noise**2)))
    assert floor(workload, noise) == pytest.approx(expected, rel=0.02)
    assert run_time_for(workload, noise, 0.2) is None


def test_the_run_time_found_is_the_shortest_that_resolves():
    workload = Workload(rps=100, endpoints=8, spread=3.0)
    seconds = run_time_for(workload, DEFAULT_REGRESSION, 0.2)
    assert seconds is not None
    assert detectable(workload, seconds, DEFAULT_REGRESSION, 0.2) <= 0.2
    assert detectable(workload, seconds / 1.1, DEFAULT_REGRESSION, 0.2) > 0.2


def test_inflation_counts_as_fewer_independent_requests():
    inflated = Workload(rps=100, endpoints=8, inflation=2.0)
    plain = Workload(rps=100, endpoints=8)
    assert detectable(inflated, 120, DEFAULT_REGRESSION, 0.2) == detectable(plain, 60, DEFAULT_REGRESSION, 0.2)


def test_too_short_a_run_has_nothing_to_compare():
    assert detectable(Workload(rps=10, endpoints=10), 5, DEFAULT_REGRESSION, 0.2) is None


def test_a_run_with_the_requests_a_percentile_needs_is_compared_however_inflated():
    """260 requests an endpoint compare a p95 in the gate (60 needed); an inflation of 4.4 must not
    make the plan call them too few (it models them as 60 independent ones, not 59)."""
    inflated = Workload(rps=111.3, endpoints=6, spread=7.6, inflation=4.4)
    assert detectable(inflated, 14, DEFAULT_REGRESSION, 0.2) is not None
    assert detectable(inflated, 14, DEFAULT_REGRESSION, 0.2) > detectable(inflated, 15, DEFAULT_REGRESSION, 0.2)
    assert detectable(Workload(rps=6, endpoints=6), 50, DEFAULT_REGRESSION, 0.2) is None  # 50 requests: too few


# --- from a trial run ------------------------------------------------------------------------


def trial_run(histograms: dict[str, dict[int | float, int]], seconds: float = 60.0) -> RunData:
    endpoints = {
        f"GET /{name}": {
            "method": "GET",
            "name": f"/{name}",
            "requests": sum(histogram.values()),
            "failures": 0,
            "histogram": {str(b): c for b, c in histogram.items()},
        }
        for name, histogram in histograms.items()
    }
    return RunData("trial", endpoints, measured_s=seconds)


def test_a_trial_of_log_normal_endpoints_plans_as_the_synthetic_workload_does():
    run = trial_run({f"e{i}": synthetic_histogram(3000, 2.5) for i in range(6)})
    workload, left_out = Workload.from_run(run, "p95")
    assert left_out == []
    assert (workload.endpoints, workload.rps) == (6, pytest.approx(300.0))
    assert workload.spread == pytest.approx(2.5, rel=0.05)
    synthetic = Workload(rps=300, endpoints=6, spread=2.5)
    for seconds in (30, 120):
        planned = detectable(workload, seconds, DEFAULT_REGRESSION, 0.2)
        assert planned == pytest.approx(detectable(synthetic, seconds, DEFAULT_REGRESSION, 0.2), rel=0.1)


def test_a_heavier_tail_than_the_log_normal_of_the_same_p95_over_p50_needs_a_longer_run():
    """The synthetic plan's optimism: above p95 the responses thin out slowly, the density at p95
    is lower, so its estimate is wider than a log-normal's with the same spread."""
    body = synthetic_histogram(3000, 2.5)
    heavy = {b: c for b, c in body.items() if b <= 50.0 * 2.5}
    tail = 3000 - sum(heavy.values())  # the top 5%, spread evenly in log space up to 40x the p95
    steps = [50.0 * 2.5 * 40 ** ((i + 1) / tail) for i in range(tail)]
    for ms in steps:
        heavy[bucket_ms(ms)] = heavy.get(bucket_ms(ms), 0) + 1
    workload, _ = Workload.from_run(trial_run({f"e{i}": heavy for i in range(6)}), "p95")
    synthetic = Workload(rps=300, endpoints=6, spread=workload.spread)
    assert detectable(workload, 60, DEFAULT_REGRESSION, 0.2) > 1.1 * detectable(synthetic, 60, DEFAULT_REGRESSION, 0.2)


def test_endpoints_with_too_few_requests_for_a_shape_are_left_out_and_named():
    run = trial_run({"busy": synthetic_histogram(3000, 2.5), "rare": synthetic_histogram(SHAPE_REQUESTS - 1, 2.5)})
    workload, left_out = Workload.from_run(run, "p95")
    assert (workload.endpoints, left_out) == (1, ["GET /rare"])
    assert workload.rps == pytest.approx(50.0)


# --- the command ---------------------------------------------------------------------------


def plan_command(*args: str) -> tuple[int, str, str]:
    out, errors = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(errors):
        code = main(["plan", *args])
    return code, out.getvalue(), errors.getvalue()


def test_plan_from_a_result_names_it_and_plans_each_endpoint_at_its_own_rate(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(synthetic.result_document(synthetic.run(1, count=600, windows=12))))
    code, out, errors = plan_command("--from", str(path), "--run-time", "45s")
    assert code == 0, errors
    assert f"{path}: 60 requests/s over 6 endpoints, each at its own rate" in out
    assert "<- --run-time" in out and "+20% on p95 needs" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "give --rps and --endpoints, or --from a result.json of a trial run"),
        (("--rps", "100"), "give --endpoints, or --from"),
        (("--rps", "0", "--endpoints", "4", "--spread", "1"), "--rps: expected more than 0, found 0; --spread"),
        (("--from", "trial.json", "--rps", "100"), "--from trial.json measures what --rps would state"),
        (("--from", "missing.json"), "missing.json: trial run's result file not found"),
    ],
)
def test_plan_says_which_options_are_missing_or_clash(args, expected):
    code, _, errors = plan_command(*args)
    assert code == 2
    assert expected in errors, errors


def test_plan_from_a_merged_baseline_asks_for_one_run(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(merge([Baseline("a", [synthetic.run(1)]), Baseline("b", [synthetic.run(2)])])))
    code, _, errors = plan_command("--from", str(path))
    assert code == 2
    assert "expected one run's result.json, found a merged baseline" in errors, errors
