"""core/drift.py on synthetic windows with known growth: which endpoint drifts, what the message
says about the others, and a duet's drift judged against its baseline side."""

from __future__ import annotations

from perfgate.core.drift import drift_checks
from perfgate.core.model import Snapshot, Status
from perfgate.core.profile import Location
from perfgate.core.tolerances import Tolerance
from tests.unit.synthetic import latencies, stats_of

P95 = (Tolerance("p95", 0.5, "+50%"),)
ERRORS = (Tolerance("error_rate", 0.005, "+0.5pp"),)
WINDOWS = 20
FLAT = {f"GET /e{n}": 1.0 for n in range(5)}


def windows(growth: dict[str, float], seed: int = 0, failing: str = "") -> list[Snapshot]:
    """WINDOWS windows of 2 s, 100 requests per endpoint each; an endpoint's median (20 ms) is
    multiplied by growth[key] per window; `failing` fails one more request in each window."""
    made = []
    for index in range(WINDOWS):
        values = {
            key: latencies(seed + index * 100 + n, 20.0 * rate**index, 100)
            for n, (key, rate) in enumerate(growth.items())
        }
        endpoints = {key: stats_of(key, spread, index if key == failing else 0) for key, spread in values.items()}
        total = stats_of("", [value for spread in values.values() for value in spread])
        made.append(Snapshot(endpoints, total, 2.0, 2.0 * (index + 1)))
    return made


def judged(growth: dict[str, float], paired: list[Snapshot] | None = None) -> dict[str, tuple[Status, str]]:
    checks = drift_checks(windows(growth), P95, Location("soak.yaml", 4), paired=paired)
    return {check.endpoint: (check.status, check.message) for check in checks}


def test_a_leak_in_one_endpoint_is_flagged_as_its_own():
    growth = FLAT | {"GET /leaking": 1.1}
    found = judged(growth)
    status, message = found["GET /leaking"]
    assert status == Status.FAIL
    assert message.endswith(": this endpoint's own") and "the other 5 endpoints' median drift is" in message
    assert all(found[f"GET /e{n}"][0] == Status.PASS for n in range(5))


def test_endpoints_drifting_together_are_flagged_with_a_shared_cause():
    found = judged({f"GET /e{n}": 1.1 for n in range(5)})
    assert all(status == Status.FAIL for status, _ in found.values())
    message = found["GET /e0"][1]
    assert "the other 4 endpoints' median drift is +" in message
    assert message.endswith(
        "beyond the tolerance too: a cause they share (the machine getting busier, a pool, the heap)"
    )
    assert "the other" not in found["all endpoints"][1]  # the aggregate is every endpoint already


def test_with_too_few_endpoints_to_compare_the_message_says_nothing_of_the_others():
    found = judged({"GET /a": 1.0, "GET /b": 1.0, "GET /leaking": 1.1})
    status, message = found["GET /leaking"]
    assert status == Status.FAIL and "the other" not in message and message.endswith(")")


def test_a_duet_whose_sides_slow_together_does_not_drift_though_each_side_alone_does():
    ramp = dict.fromkeys(FLAT, 1.1)  # the machine: every endpoint of both sides slower each window
    alone = judged(ramp)
    assert all(status == Status.FAIL for status, _ in alone.values())
    found = judged(ramp, paired=windows(ramp, seed=50_000))
    assert len(found) == 6 and all(status == Status.PASS for status, _ in found.values()), found
    assert found["GET /e0"][1].startswith("over the measured run, the candidate's excess over the duet's baseline side")


def test_a_duets_leak_is_flagged_against_its_baseline_side_with_the_candidates_own_latency():
    candidate = dict.fromkeys(FLAT, 1.05) | {"GET /leaking": 1.05 * 1.1}
    baseline = dict.fromkeys(candidate, 1.05)
    checks = drift_checks(windows(candidate), P95, Location("soak.yaml", 4), paired=windows(baseline, seed=50_000))
    flagged = {check.endpoint: check for check in checks if check.status == Status.FAIL}
    assert set(flagged) == {"GET /leaking", "all endpoints"}
    leak = flagged["GET /leaking"]
    assert leak.message.endswith(": this endpoint's own")
    assert leak.message.startswith(
        "over the measured run, the candidate's excess over the duet's baseline side in its median: "
    )
    # the excess's fitted growth in the baseline side's median: 20·1.05^19·(1.1^19 − 1) / (20·1.05^9.5)
    # is 8.2 at the last window, the fit through every window a little less
    assert 5.0 < leak.change < 9.0
    assert leak.actual > 20.0 * 1.05**19 * 1.1**19  # the candidate's own p95 in its last window, in ms


def test_a_duets_error_rate_drifts_by_its_difference_in_points():
    baseline = windows(FLAT, seed=50_000)
    checks = drift_checks(windows(FLAT, failing="GET /e1"), ERRORS, Location("soak.yaml", 4), paired=baseline)
    flagged = {check.endpoint: check for check in checks if check.status == Status.FAIL}
    assert set(flagged) == {"GET /e1"}
    assert flagged["GET /e1"].change > 0.15  # 0 to 19 failed in 100: +19pp fitted from first window to last
    assert "pp over 20 windows" in flagged["GET /e1"].message


def test_a_duets_candidate_slowing_everywhere_is_not_blamed_on_the_machine():
    found = judged(dict.fromkeys(FLAT, 1.1), paired=windows(FLAT, seed=50_000))
    status, message = found["GET /e0"]
    assert status == Status.FAIL
    assert message.endswith("a cause they share (a pool, the heap: the machine was the baseline side's too)")
