"""The live gate on synthetic snapshots: warm-up cut, windows, sustained breaches, aborts."""

from pathlib import Path

import pytest

from perfgate.config.profile import load_profile
from perfgate.core.assemble import RunFacts, assemble
from perfgate.core.evaluate import evaluate
from perfgate.core.live import LiveMonitor
from perfgate.core.model import Snapshot

from .synthetic import Stream


def monitor(tmp_path: Path, text: str) -> LiveMonitor:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nsettings: {min_requests: 1}\n" + text)
    return LiveMonitor(load_profile(path))


def run(live: LiveMonitor, stream: Stream, intervals: list[list[int]], warmup_intervals: int = 0) -> Snapshot:
    snapshot = None
    for index, times in enumerate(intervals):
        if index == warmup_intervals:
            live.start_measurement(stream.advance(0, []))
        snapshot = stream.advance(2, times)
        live.observe(snapshot)
    assert snapshot is not None
    return snapshot


def statuses(live: LiveMonitor, final: Snapshot) -> list[str]:
    return [c.status for c in evaluate(live.profile, live.measured(final), live.finish(final))]


def test_warmup_is_excluded_from_the_verdict(tmp_path):
    live = monitor(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 100ms"}\n')
    stream = Stream()
    final = run(live, stream, [[900] * 20] * 3 + [[10] * 20] * 5, warmup_intervals=3)
    assert live.measured(final).total.requests == 100
    assert statuses(live, final) == ["pass"]
    without_warmup = monitor(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 100ms"}\n')
    final = run(without_warmup, Stream(), [[900] * 20] * 3 + [[10] * 20] * 5)
    assert statuses(without_warmup, final) == ["fail"]


def test_a_short_spike_does_not_fail_a_for_rule_but_a_sustained_one_does(tmp_path):
    profile_text = 'endpoints:\n  "GET /a": {p95: "< 100ms", for: 10s}\n'
    spike = monitor(tmp_path, profile_text)
    final = run(spike, Stream(), [[10] * 20] * 3 + [[900] * 20] * 2 + [[10] * 20] * 5)
    assert statuses(spike, final) == ["pass"]
    assert spike.findings.longest[('endpoints."GET /a".p95', "GET /a")] == 4.0
    sustained = monitor(tmp_path, profile_text)
    final = run(sustained, Stream(), [[10] * 20] * 3 + [[900] * 20] * 6 + [[10] * 20])
    checks = evaluate(sustained.profile, sustained.measured(final), sustained.finish(final))
    assert checks[0].status == "fail" and "breached continuously from 6s to 18s" in checks[0].message


def test_window_judges_only_the_end_of_the_run(tmp_path):
    live = monitor(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 100ms", window: 6s}\n')
    final = run(live, Stream(), [[900] * 20] * 5 + [[10] * 20] * 3)
    checks = evaluate(live.profile, live.measured(final), live.finish(final))
    assert checks[0].status == "pass" and "over the last 6s" in checks[0].message
    assert checks[0].actual == 10


def test_abort_fires_after_its_grace_period_and_is_recorded(tmp_path):
    live = monitor(tmp_path, 'global:\n  error_rate: {limit: "< 5%", abort: {after: 4s}}\n')
    stream = Stream()
    live.start_measurement(stream.advance(0, []))
    assert live.observe(stream.advance(2, [5] * 10, failures=10)) is None  # within the grace period
    decision = live.observe(stream.advance(2, [5] * 10, failures=10))
    assert decision is not None and decision.at_s == 4.0 and decision.endpoint == "global"
    checks = evaluate(live.profile, live.measured(stream.advance(0, [])), live.finish(stream.advance(0, [])))
    assert checks[0].status == "fail" and checks[0].message.startswith("aborted the run at 4.0s")


def test_abort_on_applies_to_every_check_of_that_metric(tmp_path):
    live = monitor(tmp_path, 'abort_on: [p95]\nendpoints:\n  "GET /a": {p95: "< 100ms", avg: "< 1ms"}\n')
    assert [rule.abort is not None for rule in live.profile.rules] == [True, False]
    stream = Stream()
    live.start_measurement(stream.advance(0, []))
    assert live.observe(stream.advance(2, [500] * 10)).metric == "p95"


def test_timeline_has_one_row_per_interval_with_warmup_marked(tmp_path):
    live = monitor(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 100ms"}\n')
    run(live, Stream(), [[10] * 4, [20] * 4, [30] * 4], warmup_intervals=1)
    assert [(row["t"], row["warmup"], row["rps"], row["p50"]) for row in live.timeline] == [
        (2.0, True, 2.0, 10),
        (4.0, False, 2.0, 20),
        (6.0, False, 2.0, 30),
    ]
    assert live.timeline[1]["endpoints"]["GET /a"]["requests"] == 4


def test_memory_keeps_only_what_windows_need(tmp_path):
    live = monitor(tmp_path, 'endpoints:\n  "GET /a": {p95: "< 100ms", window: 10s}\n')
    run(live, Stream(), [[10]] * 500)
    assert len(live.recent) <= 10 / 2 + 2


@pytest.mark.parametrize(
    ("warmup", "load", "why"),
    [
        (
            "spawn",
            {"users": 50, "spawn_rate": 2, "run_time_s": 8},
            "(settings.warmup: spawn waits until every user is spawned, and 50 users at 2/s take 25s): "
            "raise the spawn rate (-r) or the run time (-t), or make the warm-up a duration",
        ),
        (
            "spawn",
            {"users": 50, "stages": [{"users": 50}]},
            "(settings.warmup: spawn waits until every user is spawned, which this run never reached)",
        ),
        ("30s", {"users": 5, "spawn_rate": 5}, "(settings.warmup 30s): shorten the warm-up or run longer"),
    ],
)
def test_a_warm_up_that_outlasts_the_run_is_named_with_what_to_change_in_every_check(tmp_path, warmup, load, why):
    path = tmp_path / "p.yaml"
    path.write_text(
        f"version: 1\nsettings: {{min_requests: 1, warmup: {warmup}}}\n"
        'global: {error_rate: "< 1%"}\nendpoints:\n  "GET /a": {p95: "< 100ms"}\n'
    )
    live = LiveMonitor(load_profile(path))
    stream = Stream()
    for _ in range(4):  # requests, but all of them in the warm-up
        final = stream.advance(2, [10] * 20)
        live.observe(final)
    facts = RunFacts("2026-12-07T00:00:00+00:00", 8.0, "http://127.0.0.1:8000", {}, load)
    result = assemble(live.profile, live, final, facts, None)
    short = f"nothing was measured: the run ended before its warm-up (settings.warmup {warmup}) did"
    assert [(c.status, c.message) for c in result.checks] == [("no_data", short)] * 2
    assert "the run ended after 8s, before the warm-up did: nothing was measured " + why in result.warnings
