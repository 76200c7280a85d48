"""settings.drift on real soaks of the CI job, one after the other: one against a demo API whose
GET /api/v1/projects gets steadily slower (leak:), one against an unchanged one."""

from __future__ import annotations

import json
import re

import pytest

from tests.processes import LOCUSTFILES, REPO, run_locust

pytestmark = [pytest.mark.integration, pytest.mark.last]  # judges a trend over time: in the quiet tail
SOAK = "45s"  # what CI's 30 minutes allow for two soaks: 35 s measured, 17 windows of 2 s
# +300 ms a minute from the end of the warm-up: the endpoint's p95 of 10-70 ms grows to 180 ms and
# more. A leak counted from the demo's start (+80 ms a minute) had grown through the warm-up and
# was +66% over the measured part on a slow CI machine, within reach of the unchanged demo's drift
LEAK = "leak:GET /api/v1/projects:300:after=10s"
LEAKING = ("GET /api/v1/projects", "all endpoints")


def trend_p(check: dict) -> float:
    """The trend's p-value, as the check's message gives it (1 for a series too short to judge)."""
    found = re.search(r"trend p = ([0-9.e+-]+)", check["message"])
    return float(found.group(1)) if found else 1.0


@pytest.mark.timeout(300)
def test_a_soak_with_a_leak_is_flagged_by_the_drift_check_and_one_without_is_not(tmp_path):
    profile = tmp_path / "soak.yaml"
    # the unchanged demo drifts by itself in CI: +13% to +40% on an endpoint's p95 over a minute's soak
    # on a quiet machine, and +161% (trend p = 0.00057) on GET /api/v1/projects when two soaks ran side
    # by side at the end of a full CI run, every endpoint rising with it (the machine, not the demo);
    # the two soaks now run one after the other and the tolerance is +150%; the leak adds +400% or more
    drift = '{p95: "+150%", error_rate: "+0.5pp"}'
    # a 10 s warm-up: a soak's first windows on a busy machine have p95s of 100-500 ms
    settings = f"settings:\n  warmup: 10s\n  drift: {drift}\n"
    profile.write_text(f"version: 1\nextends: {REPO / 'thresholds' / 'ci.yaml'}\n{settings}")

    def soak(name: str, injection: str) -> tuple[int, dict]:
        reports = tmp_path / name
        env = {"PERFGATE_DEMO_INJECT": injection}
        args = ("-t", SOAK, "--thresholds", str(profile), "--report-dir", str(reports))
        finished = run_locust(LOCUSTFILES / "ci.py", *args, cwd=REPO, env=env, timeout_s=140)
        assert (reports / "result.json").is_file(), finished.output[-3000:]
        return finished.returncode, json.loads((reports / "result.json").read_text())

    leaking_exit, leaking = soak("leak", LEAK)
    steady_exit, steady = soak("steady", "")

    def drift(result: dict) -> dict[tuple[str, str], dict]:
        return {(c["endpoint"], c["metric"]): c for c in result["checks"] if c["kind"] == "drift"}

    flagged = {key for key, check in drift(leaking).items() if check["status"] == "fail"}
    assert ("GET /api/v1/projects", "p95") in flagged
    assert leaking_exit == 3 and leaking["verdict"] == "fail"
    projects = drift(leaking)["GET /api/v1/projects", "p95"]
    assert projects["change"] > 1.5 and "drifting" in projects["message"]
    assert "endpoints' median drift is" in projects["message"]  # how the others drifted beside it
    assert projects["source"] == f"{profile}:5"
    # the leak's trend stands out: the demo's own latencies are not steady on a busy machine (a CI run
    # had POST /api/v1/builds at +285% over 14 windows, p = 0.0012, beside the leak's p = 2e-10), so
    # what is asserted is that no other endpoint's trend comes within 10x of the leak's
    others = [trend_p(check) for (endpoint, _), check in drift(leaking).items() if endpoint not in LEAKING]
    assert trend_p(projects) * 10 < min(others), projects["message"]

    judged = drift(steady)
    assert len(judged) >= 10 and all(check["status"] == "pass" for check in judged.values()), [
        f"{endpoint} {metric}: {check['message']}"
        for (endpoint, metric), check in judged.items()
        if check["status"] != "pass"
    ]
    assert steady_exit == 0 and steady["verdict"] == "pass"
