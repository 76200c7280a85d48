"""settings.drift on real soaks of the CI job, one after the other: one against a demo API whose
GET /api/v1/projects gets steadily slower (leak:), and a duet whose candidate leaks the same way.

An unchanged build's soak alone is not among them: one run has no control, and on this 2-core
machine the unchanged demo's soak drifted +161% (trend p = 0.00057) on GET /api/v1/projects, every
endpoint rising with it, at the end of a full CI run (README: Drift within a run). The duet is the
controlled claim: there its unchanged endpoints pass while the machine drifts under both sides."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.processes import LOCUSTFILES, REPO, run_locust

pytestmark = [pytest.mark.integration, pytest.mark.last]  # judges a trend over time: in the quiet tail
SOAK = "45s"  # what CI's 30 minutes allow for two soaks: 35 s measured, 17 windows of 2 s
# +300 ms a minute from the end of the warm-up: the endpoint's p95 of 10-70 ms grows to 180 ms and
# more. A leak counted from the demo's start (+80 ms a minute) had grown through the warm-up and
# was +66% over the measured part on a slow CI machine, within reach of the unchanged demo's drift
LEAK = "leak:GET /api/v1/projects:300:after=10s"
LEAKING = ("GET /api/v1/projects", "all endpoints")
# +150%: the unchanged demo's endpoints drift by themselves, +13% to +40% over a minute on a quiet
# machine and up to +161% on a busy one; the leak adds +400% or more. A 10 s warm-up: a soak's first
# windows on a busy machine have p95s of 100-500 ms
PROFILE = (
    f"version: 1\nextends: {REPO / 'thresholds' / 'ci.yaml'}\n"
    'settings:\n  warmup: 10s\n  drift: {p95: "+150%", error_rate: "+0.5pp"}\n'
)


def trend_p(check: dict) -> float:
    """The trend's p-value, as the check's message gives it (1 for a series too short to judge)."""
    found = re.search(r"trend p = ([0-9.e+-]+)", check["message"])
    return float(found.group(1)) if found else 1.0


def soak(folder: Path, injection: str, *options: str) -> tuple[int, dict]:
    """One soak of the CI job against the embedded demo API with `injection`; its exit code and result."""
    profile = folder.parent / "soak.yaml"
    profile.write_text(PROFILE)
    args = ("-t", SOAK, "--thresholds", str(profile), "--report-dir", str(folder), *options)
    finished = run_locust(
        LOCUSTFILES / "ci.py", *args, cwd=REPO, env={"PERFGATE_DEMO_INJECT": injection}, timeout_s=140
    )
    assert (folder / "result.json").is_file(), finished.output[-3000:]
    return finished.returncode, json.loads((folder / "result.json").read_text())


def drift(result: dict) -> dict[tuple[str, str], dict]:
    return {(c["endpoint"], c["metric"]): c for c in result["checks"] if c["kind"] == "drift"}


def failing(checks: dict[tuple[str, str], dict]) -> list[str]:
    return [
        f"{endpoint} {metric}: {check['message']}"
        for (endpoint, metric), check in checks.items()
        if check["status"] != "pass"
    ]


@pytest.mark.timeout(200)
def test_a_soaks_leak_is_flagged_by_the_drift_check_and_stands_out_from_the_other_endpoints(tmp_path):
    leaking_exit, leaking = soak(tmp_path / "leak", LEAK)

    flagged = {key for key, check in drift(leaking).items() if check["status"] == "fail"}
    assert ("GET /api/v1/projects", "p95") in flagged
    assert leaking_exit == 3 and leaking["verdict"] == "fail"
    projects = drift(leaking)["GET /api/v1/projects", "p95"]
    assert projects["change"] > 1.5 and "drifting" in projects["message"]
    assert "endpoints' median drift is" in projects["message"]  # how the others drifted beside it
    assert projects["source"] == f"{tmp_path / 'soak.yaml'}:5"
    # the leak's trend stands out: the demo's own latencies are not steady on a busy machine (a CI run
    # had POST /api/v1/builds at +285% over 14 windows, p = 0.0012, beside the leak's p = 2e-10), so
    # what is asserted is that no other endpoint's trend comes within 10x of the leak's
    others = [trend_p(check) for (endpoint, _), check in drift(leaking).items() if endpoint not in LEAKING]
    assert trend_p(projects) * 10 < min(others), projects["message"]


@pytest.mark.timeout(200)
def test_a_duets_leak_is_judged_against_its_baseline_side_where_the_machine_cancels_out(tmp_path):
    """The candidate leaks, the baseline side (the second embedded demo API) does not; both sides
    share the machine, whose drift the ratio cancels: the leaking endpoint fails, no other does."""
    code, result = soak(tmp_path / "duet", LEAK, "--baseline-host", "embedded")
    judged = drift(result)
    projects = judged["GET /api/v1/projects", "p95"]
    assert projects["status"] == "fail" and projects["change"] > 1.5, projects["message"]
    said = "over the measured run, the candidate's excess over the duet's baseline side in its median: drifting: +"
    assert projects["message"].startswith(said)
    assert projects["actual"] > 100  # the candidate's own p95 in its last window, in ms (the leak adds 150-200)
    others = {key: check for key, check in judged.items() if key[0] not in LEAKING}
    assert len(others) >= 6 and not failing(others), failing(others)
    assert code in (3, 4) and result["duet"]["baseline_host"].startswith("http://127.0.0.1:")
