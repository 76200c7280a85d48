"""Capacity search on synthetic per-second snapshots: the step that breaks, the capacity before it,
blips that must not break a step, and the verdict against capacity.min_users / min_rps."""

from pathlib import Path

from perfgate.config.profile import load_profile
from perfgate.core.capacity import CapacitySearch

from .synthetic import Stream

PROFILE = """version: 1
load:
  mode: capacity
  stages:
    - {type: steps, users: 40, by: 10, duration: 10s, spawn_rate: 10}
capacity: {min_users: %d, settle: 2s}
endpoints:
  "GET /a": { p95: "< 35ms" }
"""


def search(tmp_path: Path, min_users: int = 20) -> CapacitySearch:
    path = tmp_path / "capacity.yaml"
    path.write_text(PROFILE % min_users)
    profile = load_profile(path)
    return CapacitySearch(profile, list(profile.load.steps))


def drive(capacity: CapacitySearch, latency_at, seconds: int = 40) -> int | None:
    """Feeds one snapshot per second (50 requests each); returns the second the search broke."""
    stream = Stream()
    capacity.observe(stream.advance(0, []))
    for second in range(1, seconds + 1):
        if capacity.observe(stream.advance(1, latency_at(second - 1))):
            return second
    return None


def by_step(second: int) -> list[int]:
    """Latency grows with the load: 10 ms per 10 users."""
    return [10 * (second // 10 + 1)] * 50


def test_the_first_step_that_breaks_ends_the_search_and_the_one_before_is_the_capacity(tmp_path):
    capacity = search(tmp_path)
    assert drive(capacity, by_step) == 40
    assert [o.held for o in capacity.outcomes] == [True, True, True, False]
    assert capacity.held.step.users == 30 and capacity.broke.step.users == 40
    assert capacity.held.rps == 50.0 and capacity.held.percentiles["GET /a"]["p95"] == 30
    assert capacity.outcomes[0].judged_from_s == 2.0 and capacity.outcomes[0].judged_to_s == 10.0
    checks = capacity.checks()
    assert [(c.metric, c.status, c.actual) for c in checks] == [("users", "pass", 30.0)]
    assert "step 4 (40 users) broke GET /a p95 < 35ms" in checks[0].message
    assert capacity.to_dict()["users"] == 30 and capacity.to_dict()["p95"] == {"GET /a": 30}


def test_a_capacity_below_the_minimum_fails(tmp_path):
    capacity = search(tmp_path, min_users=40)
    drive(capacity, by_step)
    assert [(c.status, c.limit) for c in capacity.checks()] == [("fail", ">= 40")]


def test_a_one_second_blip_does_not_break_a_step_but_the_same_latency_sustained_does(tmp_path):
    def blip(second: int) -> list[int]:
        return [10] * 48 + [200] * 2 if second == 15 else [10] * 50

    held = search(tmp_path)
    assert drive(held, blip) is None
    assert all(o.held for o in held.outcomes) and len(held.outcomes) == 4
    assert "no step broke" in held.checks()[0].message

    sustained = search(tmp_path)
    assert drive(sustained, lambda second: [200] * 50 if 12 <= second < 20 else [10] * 50) == 20
    assert sustained.broke.step.index == 2 and sustained.held.step.users == 10


def test_the_settling_time_of_a_step_is_excluded(tmp_path):
    capacity = search(tmp_path)
    drive(capacity, lambda second: [200] * 50 if second % 10 < 2 else [10] * 50)
    assert all(o.held for o in capacity.outcomes)


def test_a_run_that_ends_before_any_step_is_judged_is_inconclusive(tmp_path):
    capacity = search(tmp_path)
    drive(capacity, by_step, seconds=8)
    assert [c.status for c in capacity.checks()] == ["inconclusive"]
