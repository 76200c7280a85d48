"""settings.drift on real soaks of the CI job, side by side: one against a demo API whose
GET /api/v1/projects gets slower every minute (leak:), one against an unchanged one."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.processes import LOCUSTFILES, REPO, run_locust

pytestmark = [pytest.mark.integration, pytest.mark.last]  # judges a trend over time: in the quiet tail
SOAK = "60s"  # what CI's 30 minutes allow; the README gives the soak length per growth rate
# +80 ms a minute on a p95 of ~10 ms: at +40 one CI run measured +102% over the soak with a trend
# p of 0.0035 against the 0.0028 that 18 checks at 95% family-wise need
LEAK = "leak:GET /api/v1/projects:80"
LEAKING = ("GET /api/v1/projects", "all endpoints")


def trend_p(check: dict) -> float:
    """The trend's p-value, as the check's message gives it (1 for a series too short to judge)."""
    found = re.search(r"trend p = ([0-9.e+-]+)", check["message"])
    return float(found.group(1)) if found else 1.0


@pytest.mark.timeout(300)
def test_a_soak_with_a_leak_is_flagged_by_the_drift_check_and_one_without_is_not(tmp_path):
    profile = tmp_path / "soak.yaml"
    # a minute's soak of the unchanged demo drifts by itself: +13% to +40% on an endpoint's p95 over 60 s
    # (2 s windows) in CI runs, beyond drift: true's +20%; the leak adds +300% or more
    drift = '{p95: "+50%", error_rate: "+0.5pp"}'
    # a 10 s warm-up: two soaks starting side by side on a slow machine had p95s of 500 ms in their
    # first windows, which hid the leak's growth behind the start
    settings = f"settings:\n  warmup: 10s\n  drift: {drift}\n"
    profile.write_text(f"version: 1\nextends: {REPO / 'thresholds' / 'ci.yaml'}\n{settings}")

    def soak(name: str, injection: str) -> tuple[int, dict]:
        reports = tmp_path / name
        env = {"PERFGATE_DEMO_INJECT": injection}
        args = ("-t", SOAK, "--thresholds", str(profile), "--report-dir", str(reports))
        finished = run_locust(LOCUSTFILES / "ci.py", *args, cwd=REPO, env=env, timeout_s=220)
        assert (reports / "result.json").is_file(), finished.output[-3000:]
        return finished.returncode, json.loads((reports / "result.json").read_text())

    with ThreadPoolExecutor(2) as pool:
        (leaking_exit, leaking), (steady_exit, steady) = pool.map(soak, ["leak", "steady"], [LEAK, ""])

    def drift(result: dict) -> dict[tuple[str, str], dict]:
        return {(c["endpoint"], c["metric"]): c for c in result["checks"] if c["kind"] == "drift"}

    flagged = {key for key, check in drift(leaking).items() if check["status"] == "fail"}
    assert ("GET /api/v1/projects", "p95") in flagged
    assert leaking_exit == 3 and leaking["verdict"] == "fail"
    projects = drift(leaking)["GET /api/v1/projects", "p95"]
    # beyond the +50% tolerance; on a slow CI machine the p95 of ~70 ms grew by +66% over the measured 50 s
    assert projects["change"] > 0.5 and "drifting" in projects["message"]
    assert projects["source"] == f"{profile}:5"
    # the leak's trend stands out: the demo's own latencies are not steady under two soaks on two cores
    # (one CI run flagged POST /api/v1/builds at +285% over 14 windows, p = 0.0012, beside the leak's
    # p = 2e-10), so what is asserted is that no other endpoint's trend comes within 10x of the leak's
    # (another full run: the leak at p = 2.2e-5, +209%, another endpoint at p = 0.0015, 68x apart)
    others = [trend_p(check) for (endpoint, _), check in drift(leaking).items() if endpoint not in LEAKING]
    assert trend_p(projects) * 10 < min(others), projects["message"]

    judged = drift(steady)
    assert len(judged) >= 10 and all(check["status"] == "pass" for check in judged.values()), [
        check["message"] for check in judged.values() if check["status"] != "pass"
    ]
    assert steady_exit == 0 and steady["verdict"] == "pass"
