"""Whose exit code the process ends with when a locustfile sets one too: perfgate's verdict, except
that its pass keeps a failure the locustfile's own check found (core.model.settled_exit_code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.processes import run_locust

pytestmark = pytest.mark.light
OWN_CHECK = Path(__file__).parent / "locustfiles" / "own_exit_code.py"
PROFILE = """version: 1
global: {{error_rate: "< 1%"}}
endpoints:
  "GET /healthz": {{p95: "< {}"}}
"""


@pytest.mark.parametrize(
    ("perfgate_p95", "own_p95_ms", "code", "said"),
    [
        # the locustfile's check passes and sets 0 after perfgate judged: FAIL exited 0 before
        ("0.001ms", "800", 3, "perfgate: exit code 3, the verdict's; another quitting listener had set 0"),
        ("2s", "0", 1, "perfgate: exit code 1, set by another quitting listener"),
        ("2s", "800", 0, "perfgate: PASS"),
    ],
)
def test_a_locustfiles_own_exit_code_check_neither_hides_nor_is_hidden_by_the_verdict(
    demo_api, tmp_path, perfgate_p95, own_p95_ms, code, said
):
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE.format(perfgate_p95))
    args = ("-u", "2", "-r", "2", "-t", "4s", "-H", demo_api.url, "--thresholds", str(profile))
    finished = run_locust(OWN_CHECK, *args, cwd=tmp_path, env={"OWN_CHECK_P95_MS": own_p95_ms}, timeout_s=60)
    assert finished.returncode == code, finished.output[-3000:]
    assert said in finished.stdout, finished.stdout[-3000:]
    assert (tmp_path / "reports" / "result.json").exists()
