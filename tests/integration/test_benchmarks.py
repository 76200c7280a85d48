"""`python -m benchmarks all --quick`: every part runs for real (Locust processes, the demo API),
writes its JSON and the summary. No timing is asserted; what is checked is what the harness
must get right whatever the machine."""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.processes import REPO, run_bounded

# two halves of about the same length in quick mode (131 s and 137 s here, one after the other)
FIRST_HALF = ("attribution", "overhead", "accuracy", "scale", "memory", "generators", "per_request")
SECOND_HALF = ("quality", "calibration", "distributed", "master")
PARTS = FIRST_HALF + SECOND_HALF


@pytest.mark.timeout(900)
def test_quick_benchmarks_run_every_part_and_write_their_figures(tmp_path):
    """In two halves side by side (quick figures mean nothing; CI has 30 minutes): each half writes
    its parts' JSON, and the last to finish the summary of all of them."""
    halves = (FIRST_HALF, SECOND_HALF)
    command = [sys.executable, "-m", "benchmarks"]
    with ThreadPoolExecutor(2) as pool:
        runs = pool.map(
            lambda parts: run_bounded([*command, *parts, "--quick", "--out", str(tmp_path)], 840, REPO), halves
        )
        for finished in runs:
            assert finished.returncode == 0, finished.output[-3000:]
    records = {part: json.loads((tmp_path / f"{part}.json").read_text()) for part in PARTS}
    assert all(record["quick"] and record["machine"] for record in records.values())
    figures = {part: record["figures"] for part, record in records.items()}

    for setup in figures["overhead"].values():
        # a verdict (seconds of load may be too few to judge p99: 5), never a crash (1) or bad profile (2)
        assert setup["perfgate_exit_codes"][0] in (0, 5)
        assert all(rps > 0 for arm in setup["rps"].values() for rps in arm)
    gated = json.loads((tmp_path / "work/overhead/SaturatingReader/perfgate-0/reports/result.json").read_text())
    assert len(gated["checks"]) >= 15  # the gated arm judged the whole overhead profile

    accuracy = figures["accuracy"]
    assert accuracy["errors"]["endpoints"], "no endpoint got enough requests to compare percentiles"
    for row in accuracy["errors"]["endpoints"].values():
        assert row["requests_reported"] == row["requests_recorded"]  # nothing lost between worker and master
    assert accuracy["errors"]["perfgate_error_percent"]["max"] <= 1.0
    assert all(sizes["messages"] > 0 for sizes in accuracy["stats_messages"].values())

    assert figures["scale"]["checks"] > 3 * figures["scale"]["endpoints"]
    assert all(figures["memory"][arm]["samples"] >= 2 for arm in ("bare", "perfgate"))

    quality = figures["quality"]
    assert [arm for arm, _ in quality["runs"]] == ["A", "B50", "A"]
    assert quality["false_alarms"]["naive p95 > 1.2 x baseline: any endpoint"]["of"] == 2  # both ordered A/A pairs

    calibrated = figures["calibration"]["profiles"]
    assert set(calibrated) == {"1/1000", "1/20"}
    for profile in calibrated.values():  # every calibrated profile judged the one further run on its own limits
        assert profile["limits"] >= 1 and profile["breaching_runs"]["of"] == 1

    for flow in figures["generators"]["flows"].values():
        assert flow["HttpUser"]["requests_per_cpu_second"] > 0
        assert flow["FastHttpUser"]["requests_per_cpu_second"] > 0
    assert set(figures["distributed"]["ci_job"]) == {"2 workers"}  # quick: 1 and 4 only in full runs
    shape = figures["distributed"]["shape_changes"]
    assert shape["bare"]["max_ms"] and shape["perfgate"]["max_ms"]  # both runs wrote Locust's stats, read here
    # bare Locust's workers may send nothing in 3 s on a busy machine (in a full CI run its users never
    # started): their stall at each change of users is what the part measures
    assert shape["perfgate"]["rps"]["median"] > 0

    per_request = figures["per_request"]
    assert per_request["log_request_ns"]["bare"] > 0 and per_request["log_request_ns"]["perfgate"] > 0
    assert set(per_request["bucket_function_ns"]) == {"locust", "perfgate"}

    attribution = figures["attribution"]["arms"]
    assert set(attribution) == {"placebo", "modules", "plugin-locust-log", "shipped"}  # quick: one of each locustfile
    for arm in attribution.values():  # every arm ran beside bare Locust and both sent within one window
        assert len(arm["ratios"]) == 1 and arm["ratios"][0] > 0

    master = figures["master"]
    assert all(size > 0 for size in master["message_bytes"]["median"].values())
    simulated = master["workers"]["5"]  # five fake workers, in Locust's protocol, each arm
    assert simulated["bare"]["exit_code"] == 0 and simulated["perfgate"]["exit_code"] in (0, 5)
    for arm in ("bare", "perfgate"):  # the master handled stats messages from every fake worker
        assert 0 < simulated[arm]["stats_messages"] <= simulated[arm]["stats_sent"]
    assert simulated["perfgate"]["live_loop_ms"]["ticks"] > 0 and simulated["perfgate"]["verdict_ms"] > 0

    summary = (tmp_path / "SUMMARY.md").read_text()
    assert all(record["title"] in summary for record in records.values())
