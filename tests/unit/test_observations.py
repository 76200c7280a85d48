"""When a run cannot support a verdict: the core's decisions on plain records of what it observed."""

import pytest

from perfgate.core.metrics import shown
from perfgate.core.model import CheckKind, Status
from perfgate.core.observations import (
    GeneratorCpu,
    LoopTiming,
    RunObservations,
    WorkerPresence,
    interrupted,
    run_checks,
)


def checks(**observed) -> dict[str, str]:
    found = run_checks(RunObservations(**({"duration_s": 60.0, "planned_s": 60.0} | observed)))
    assert all(c.status == Status.INCONCLUSIVE and c.kind == CheckKind.RUN for c in found)
    return {c.metric: c.message for c in found}


def test_a_run_that_went_as_planned_has_no_run_checks():
    assert checks() == {}


def test_exceptions_of_the_locustfile_are_named():
    found = checks(exception_lines=(("KeyError: 'token'", 1), ("ZeroDivisionError", 2)))
    assert found["exceptions"] == (
        "the locustfile raised 3 unhandled exception(s): KeyError: 'token'; 2 x ZeroDivisionError"
    )
    assert "see Locust's log" in checks(unhandled=True)["exceptions"]


def test_one_exception_raised_many_times_is_named_once_and_only_the_first_kinds_are_named():
    """A task's exception comes with Locust's count; one only logged comes as many times as it
    was raised: both add up by their last line."""
    every_request = (("ValueError: nan", 1),) * 3 + (("ValueError: nan", 2000),)
    kinds = tuple((f"KeyError: '{key}'", 1) for key in "abcd")
    found = checks(exception_lines=every_request + kinds)["exceptions"]
    assert found == (
        "the locustfile raised 2,007 unhandled exception(s): 2,003 x ValueError: nan; KeyError: 'a'; "
        "KeyError: 'b'; and 2 more kind(s)"
    )


def test_workers_of_another_run_are_named_by_their_classes_or_by_outnumbering_processes():
    """Two runs on one machine share Locust's default master port: the second master cannot bind
    and its workers join the first run."""
    advice = "give each run its own --master-bind-port and --master-port"
    foreign = checks(workers_expected=2, workers_peak=2, foreign_classes=("Db", "Queue"))["workers"]
    assert foreign.startswith("workers running user classes this locustfile does not define (Db, Queue) took part")
    assert foreign.endswith(advice)
    outnumbered = checks(workers_expected=2, workers_peak=4, processes=2)["workers"]
    assert outnumbered.startswith("4 workers, where --processes forked 2, took part") and outnumbered.endswith(advice)
    assert checks(workers_expected=2, workers_peak=2, processes=2) == {}
    assert checks(workers_expected=2, workers_peak=5) == {}  # --master: more workers than expected may join


def test_two_hot_cpu_samples_in_a_row_saturate_the_generator_and_one_does_not():
    cpu = GeneratorCpu(limit=90)
    cpu.observe({"the master": 95, "worker a": 40}, 4)
    cpu.observe({"the master": 50, "worker a": 95}, 6)
    assert cpu.saturation is None
    cpu.observe({"the master": 50, "worker a": 97}, 8)
    assert cpu.saturation == "worker a ran above 90% CPU (97%) at 8s"
    cpu.warned("Locust warned")  # the first finding stands
    assert "worker a" in checks(saturation=cpu.saturation)["generator_cpu"]


def test_workers_lost_missing_or_quit_and_too_few_of_them():
    workers = WorkerPresence()
    for worker in ("a", "b", "c"):
        workers.connected(worker)
    workers.observe({"a", "b", "c"}, set())
    workers.observe({"a", "b"}, {"b"})  # b stopped sending heartbeats, c quit mid-run
    assert (workers.peak, sorted(workers.lost)) == (3, ["b", "c"])
    found = checks(workers_lost=tuple(sorted(workers.lost)), workers_expected=4, workers_peak=workers.peak)
    assert found["workers"] == "only 3 of --expect-workers 4 workers took part"
    lost = run_checks(RunObservations(60.0, 60.0, workers_lost=("b", "c")))
    assert lost[0].message == "workers lost: b, c"


def test_a_master_that_gave_up_waiting_for_workers_never_started():
    found = checks(started=False, duration_s=0.0, workers_expected=3, workers_peak=1, expect_workers_wait_s=10)
    assert found["workers"].endswith("connected within --expect-workers-max-wait 10s: the test never started")
    assert "run_time" not in found


@pytest.mark.parametrize(
    ("running", "sigterm_at", "planned", "expected"),
    [
        (True, None, 60, True),  # the local runner still running when quitting came: a signal
        (False, None, 60, False),  # it ended on its own
        (False, 30.0, 60, True),  # a master's SIGTERM in the middle
        (False, 59.5, 60, False),  # Compose stopping the master while it writes its reports
        (False, 30.0, None, True),  # no planned end: any signal interrupts
    ],
)
def test_interrupted_before_the_planned_end(running, sigterm_at, planned, expected):
    assert interrupted(running, sigterm_at, planned) is expected


def test_an_interruption_is_inconclusive_unless_the_profile_judges_it():
    found = checks(interrupted=True, duration_s=12.5)
    assert found["interrupted"].startswith("the run was interrupted (SIGINT/SIGTERM) after 12.5s of the planned 60s")
    assert checks(interrupted=True, duration_s=12.5, judge_interrupted=True) == {}


def test_an_early_end_needs_a_reason_of_the_runs_own_and_says_who_stopped_it():
    assert checks(duration_s=41.0)["run_time"] == "the run stopped after 41.0s of the planned 60s"
    assert checks(duration_s=41.0, workers_expected=2)["run_time"] == (
        "the run stopped after 41.0s of the planned 60s (did the last worker quit?)"
    )
    assert checks(duration_s=41.0, stopped_from="checks.py:21 (checker)", workers_expected=2)["run_time"] == (
        "the run stopped after 41.0s of the planned 60s: stopped by the code at checks.py:21 (checker)"
    )
    assert checks(duration_s=41.0, ended_by_the_run=True) == {}  # an abort, a capacity step that broke
    assert checks(duration_s=58.5) == {}  # within two seconds of the plan
    assert checks(duration_s=4.0, planned_s=None) == {}  # --iterations: no planned end


def test_how_long_the_run_lasted_is_shown_in_seconds():
    (early,) = run_checks(RunObservations(41.0, 60.0))
    (interrupted_run,) = run_checks(RunObservations(12.5, 60.0, interrupted=True))
    assert [shown(c.metric, c.actual) for c in (early, interrupted_run)] == ["41.0s", "12.5s"]
    assert shown("exceptions", 3.0) == "3"


def test_the_live_loops_own_timing():
    timing = LoopTiming(2.0)
    assert timing.summary() == {"ticks": 0, "interval_s": 2.0}
    for late, work in ((0.001, 0.010), (0.003, 0.030), (0.250, 0.020)):
        timing.tick(late, work)
    assert timing.summary() == {
        "ticks": 3,
        "interval_s": 2.0,
        "work_ms_median": 20.0,
        "work_ms_max": 30.0,
        "late_ms_median": 3.0,
        "late_ms_max": 250.0,
    }
