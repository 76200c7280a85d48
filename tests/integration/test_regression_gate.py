"""Regression against a baseline end to end: real Locust runs of the main job on the demo API,
the baseline workflow, and `perfgate compare` re-judging the stored files offline."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import junitparser
import pytest

from tests.integration.test_gate import gate
from tests.integration.test_reports import check_reports
from tests.processes import REPO, Finished, get_json, run_bounded

STATUS = "GET /api/v1/builds/:id/status"
# The guide's case: an absolute limit that a 450 ms slowdown of the status endpoint still passes.
# The shift shared by every endpoint is not judged here: the two runs are sequential on a shared CI
# machine, whose slower minutes shift every endpoint at once (the duet benchmark: 8 of 30 unchanged
# sequential runs flagged by that check alone; on CI it once flagged beside the status endpoint).
PROFILE = (
    "version: 1\nextends: {ci}\nregression:\n  global_shift: off\n"
    'endpoints:\n  "GET /api/v1/builds/:id/status": {{ p95: "< 800ms" }}\n'
)


def perfgate(*args: str) -> Finished:
    return run_bounded([sys.executable, "-m", "perfgate", *args], 120, REPO)


def guide_profile(tmp_path: Path) -> Path:
    path = tmp_path / "guide.yaml"
    path.write_text(PROFILE.format(ci=REPO / "thresholds" / "ci.yaml"))
    return path


def verdicts(result: dict) -> dict[tuple[str, str, str], str]:
    return {(c["kind"], c["endpoint"], c["metric"]): c["status"] for c in result["checks"]}


def test_a_slower_endpoint_under_its_absolute_limit_is_a_regression_exit_4(start_demo, tmp_path, chromium):
    profile, saved = guide_profile(tmp_path), tmp_path / "baseline.json"
    unchanged = start_demo()
    first, baseline = gate(
        tmp_path / "base", "-t", "30s", "-H", unchanged.url, "--thresholds", str(profile), "--save-baseline", str(saved)
    )
    assert first.returncode == 0, first.output[-3000:]
    assert json.loads(saved.read_text())["started_at"] == baseline["started_at"]
    assert check_reports(tmp_path / "base" / "reports", baseline, chromium).failures == 0

    slower = start_demo(f"latency:{STATUS}:450")
    args = ("-t", "30s", "-H", slower.url, "--thresholds", str(profile), "--baseline", str(saved))
    finished, result = gate(tmp_path / "pr", *args, "--save-baseline", str(saved))
    assert finished.returncode == 4, finished.output[-3000:]
    assert (result["verdict"], result["exit_code"]) == ("regression", 4)
    assert verdicts(result)[("threshold", STATUS, "p95")] == "pass"
    assert [key for key, status in verdicts(result).items() if status in ("regression", "fail")] == [
        ("regression", STATUS, "p95")
    ]
    check = next(c for c in result["checks"] if c["kind"] == "regression" and c["endpoint"] == STATUS)
    # the unchanged build's p95 is tens of ms (94 ms in a CI run on a loaded machine), far under the 450 ms added
    assert check["baseline"] < 200 and 450 <= check["actual"] < 800
    # the whole interval lies beyond the +20% tolerance (a CI run's loaded baseline gave a lower bound of x2.85)
    assert check["interval"][0] > 1.2 and check["noise"].startswith("assumed")
    # the table shows baseline p95, current p95, the change, the adjusted change and its interval
    pattern = rf"^REGRESSION +{re.escape(STATUS)} +p95 +(\S+) +(\S+) +(\S+) +(\S+) +(\S+) \.\. (\S+) "
    row = re.search(pattern, finished.stdout, re.M)
    assert row is not None, finished.stdout[-3000:]
    assert (
        row.group(1).endswith("ms")
        and row.group(2).endswith("ms")
        and row.group(3).startswith("x")
        and row.group(4).startswith("x")
    )
    assert "perfgate: REGRESSION (1 of" in finished.stdout
    assert json.loads(saved.read_text())["started_at"] == baseline["started_at"]  # a regression is not saved
    assert "not saved as baseline" in finished.stderr
    suite = check_reports(tmp_path / "pr" / "reports", result, chromium)
    (regressed,) = [case for case in suite if case.result and isinstance(case.result[0], junitparser.Failure)]
    assert (regressed.classname, regressed.name) == (f"perfgate.guide.{STATUS}", "p95 vs baseline (+20%)")
    assert regressed.result[0].type == "regression" and "beyond the tolerance +20%" in regressed.result[0].text

    offline = perfgate("compare", str(saved), str(tmp_path / "pr" / "reports" / "result.json"))
    assert offline.returncode == 4, offline.output
    assert "perfgate: REGRESSION (1 of" in offline.stdout


@pytest.mark.timeout(600)  # four 35 s runs
def test_unchanged_runs_against_a_merged_baseline_of_the_others_report_no_regression(start_demo, tmp_path):
    """Four runs of the unchanged demo API, one after another; each is judged against the other three
    merged (leave one out: every run is both judged and part of three baselines, so four runs give
    four A/A comparisons with measured noise, which needs three baseline runs; the false-alarm rate
    itself is measured with confidence intervals by benchmarks/quality.py). Not two at a time: runs
    side by side share the machine's slow and fast moments, so a baseline holding both of a pair
    measures too little run noise from its three runs (on CI, one such comparison flagged a regression)."""
    demo = start_demo()
    results = []
    for index in range(4):
        finished, _ = gate(tmp_path / f"run{index}", "-t", "35s", "-H", demo.url)
        assert finished.returncode == 0, finished.output[-3000:]
        results.append(tmp_path / f"run{index}" / "reports" / "result.json")
    for index, judged in enumerate(results):
        merged = tmp_path / f"others{index}.json"
        others = [str(path) for path in results if path != judged]
        made = perfgate("baseline", "merge", *others, "-o", str(merged))
        assert made.returncode == 0 and "(3 runs," in made.stdout, made.output
        folder = tmp_path / f"judged{index}"
        compared = perfgate("compare", str(merged), str(judged), "--report-dir", str(folder))
        assert compared.returncode in (0, 5), compared.stdout[-4000:]
        result = json.loads((folder / "result.json").read_text())
        regressions = [c for c in result["checks"] if c["status"] in ("regression", "fail")]
        assert regressions == [], (regressions, compared.stdout[:4000])
        # endpoints were really compared, not only errors: each judged one, and each the default rule set
        # aside as unable to resolve +20% (one beyond its tolerance and significant would still have
        # been flagged, however wide its interval); how many resolve +20% depends on the machine
        # (+23% to +74% at best here and on CI, where the runs side by side disturb each other)
        judged_p95 = [c for c in result["checks"] if c["kind"] == "regression" and c["metric"] == "p95"]
        unresolved = [text for text in result["comparison"]["not_judged"].get("p95", []) if "detects" in text]
        assert len(judged_p95) + len(unresolved) >= 5, compared.stdout[-4000:]
        assert result["comparison"]["noise"]["p95"].startswith("measured from 3 baseline runs")


def test_a_missing_baseline_stops_the_run_unless_it_is_optional(demo_api, tmp_path):
    served_before = get_json(demo_api.url + "/healthz")["requests_served"]
    missing = tmp_path / "nope.json"
    finished, result = gate(tmp_path, "-t", "5s", "-H", demo_api.url, "--baseline", str(missing))
    assert finished.returncode == 2 and result is None
    assert f"{missing}: baseline file not found" in finished.stderr
    assert "--save-baseline" in finished.stderr and "--baseline-optional" in finished.stderr
    assert get_json(demo_api.url + "/healthz")["requests_served"] == served_before

    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{ not json")
    finished, result = gate(tmp_path, "-t", "5s", "-H", demo_api.url, "--baseline", str(corrupt))
    assert finished.returncode == 2 and f"{corrupt}:1: not valid JSON" in finished.stderr

    args = ("-t", "8s", "-u", "10", "-r", "10", "-H", demo_api.url, "--baseline", str(missing), "--baseline-optional")
    finished, result = gate(tmp_path, *args)
    # 8 s is too short for some p95 limits (5), but the run happened and was judged on thresholds only
    assert finished.returncode in (0, 5) and result["verdict"] in ("pass", "inconclusive"), finished.output[-3000:]
    assert result["comparison"] is None and {c["kind"] for c in result["checks"]} <= {"threshold", "run"}
    assert get_json(demo_api.url + "/healthz")["requests_served"] > served_before + 100
    assert any("gated on thresholds only" in warning for warning in result["warnings"])
    assert "gated on thresholds only" in finished.stdout
