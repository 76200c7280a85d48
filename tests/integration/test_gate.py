"""The gate end to end: `locust -f locustfiles/ci.py --headless` with real processes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.processes import LOCUSTFILES, REPO, Finished, get_json, run_bounded, run_locust

CI = LOCUSTFILES / "ci.py"
PASSING = 'version: 1\nsettings: {min_requests: 5}\nglobal: {error_rate: "< 50%"}\n'


def gate(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[Finished, dict | None]:
    """Runs the main job with reports in tmp_path; returns the process and result.json (if written)."""
    finished = run_locust(CI, "--report-dir", str(tmp_path / "reports"), *args, cwd=REPO, env=env)
    result_file = tmp_path / "reports" / "result.json"
    return finished, json.loads(result_file.read_text()) if result_file.exists() else None


def write_profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return path


def test_unchanged_api_passes_with_every_check_passed(tmp_path):
    finished, result = gate(tmp_path, "-t", "20s")
    assert finished.returncode == 0, finished.output[-3000:]
    assert result is not None and result["verdict"] == "pass" and result["exit_code"] == 0
    assert len(result["checks"]) >= 8
    assert {check["status"] for check in result["checks"]} == {"pass"}
    assert "started the embedded demo API" in finished.stderr
    assert "perfgate: PASS" in finished.stdout
    projects = result["endpoints"]["GET /api/v1/projects"]
    assert projects["requests"] > 0 and projects["histogram"] and projects["p95"] > 0


def test_injected_latency_fails_the_projects_p95_check(tmp_path):
    finished, result = gate(tmp_path, "-t", "10s", env={"PERFGATE_DEMO_INJECT": "latency:GET /api/v1/projects:700"})
    assert finished.returncode == 3, finished.output[-3000:]
    failed = [(c["endpoint"], c["metric"]) for c in result["checks"] if c["status"] == "fail"]
    assert failed == [("GET /api/v1/projects", "p95")]
    assert re.search(r"^FAIL +GET /api/v1/projects +p95 ", finished.stdout, re.MULTILINE)
    assert "perfgate: FAIL (1 of" in finished.stdout


def test_injected_errors_fail_the_error_rate_check(tmp_path):
    finished, result = gate(tmp_path, "-t", "10s", env={"PERFGATE_DEMO_INJECT": "errors:*:5"})
    assert finished.returncode == 3, finished.output[-3000:]
    failed = {(c["endpoint"], c["metric"]) for c in result["checks"] if c["status"] == "fail"}
    assert ("global", "error_rate") in failed


@pytest.mark.light
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('version: 1\nendpoints:\n  "GET /a": {p95: "< 1s"\n', "profile.yaml:4: invalid YAML"),
        ('version: 1\nendpoint:\n  "GET /a": {p95: "< 1s"}\n', "profile.yaml:2 endpoint: unknown key"),
        (
            'version: 1\nendpoints:\n  "GET /api/v1/projects":\n    p95: fast\n',
            'profile.yaml:4 endpoints."GET /api/v1/projects".p95: '
            'expected a duration limit like "< 500ms", found "fast"',
        ),
        ("version: 1\nload:\n  run_time: soon\n", "profile.yaml:3 load.run_time: expected a duration"),
    ],
)
def test_an_invalid_profile_stops_the_run_before_any_request(text, expected, demo_api, tmp_path):
    served_before = get_json(demo_api.url + "/healthz")["requests_served"]
    profile = write_profile(tmp_path, text)
    finished, result = gate(tmp_path, "-t", "10s", "-H", demo_api.url, "--thresholds", str(profile))
    assert finished.returncode == 2
    assert expected in finished.stderr
    assert result is None
    assert get_json(demo_api.url + "/healthz")["requests_served"] == served_before


@pytest.mark.light
def test_a_refused_run_leaves_no_verdict_of_an_earlier_run_and_says_why_where_ci_reads(demo_api, tmp_path):
    """A pull request's comment is updated from summary.md: after a passing run, a run refused for
    its profile must not leave that PASS standing (nor result.json, junit.xml) as if it were its own."""
    steady = Path(__file__).parent / "locustfiles" / "steady.py"
    reports = tmp_path / "reports"
    common = ("-H", demo_api.url, "--report-dir", str(reports), "-u", "2", "-r", "2")
    earlier = run_locust(steady, *common, "-t", "3s", "--thresholds", str(write_profile(tmp_path, PASSING)), cwd=REPO)
    assert earlier.returncode == 0 and (reports / "junit.xml").exists(), earlier.output[-3000:]
    assert "PASS" in (reports / "summary.md").read_text()
    served_before = get_json(demo_api.url + "/healthz")["requests_served"]
    profile = write_profile(tmp_path, 'version: 1\nendpoints:\n  "GET /api/v1/projects":\n    p95: fast\n')
    output = tmp_path / "github-output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)}
    baseline = (reports / "result.json").read_text()  # given as --baseline: the user's input, not a verdict
    given = ("--thresholds", str(profile), "--baseline", str(reports / "result.json"))
    refused = run_locust(steady, *common, "-t", "3s", *given, cwd=tmp_path, env=env)
    assert refused.returncode == 2, refused.output[-3000:]
    assert sorted(path.name for path in reports.iterdir()) == ["result.json", "summary.md"]
    assert (reports / "result.json").read_text() == baseline
    summary = (reports / "summary.md").read_text()
    assert summary.startswith("### ⛔ perfgate · refused: invalid profile; nothing was run (exit code 2)")
    assert 'profile.yaml:4 endpoints."GET /api/v1/projects".p95: expected a duration limit' in summary
    assert "removed the reports of an earlier run from" in refused.stderr
    assert "::error file=profile.yaml,line=4,title=perfgate refused%3A invalid profile::" in refused.stdout
    assert "verdict=refused\n" in output.read_text()
    assert get_json(demo_api.url + "/healthz")["requests_served"] == served_before


@pytest.mark.light
def test_a_missing_profile_file_is_exit_2(demo_api, tmp_path):
    served_before = get_json(demo_api.url + "/healthz")["requests_served"]
    finished, _ = gate(tmp_path, "-t", "10s", "-H", demo_api.url, "--thresholds", "thresholds/nope.yaml")
    assert finished.returncode == 2
    assert "thresholds/nope.yaml: profile file not found" in finished.stderr
    assert get_json(demo_api.url + "/healthz")["requests_served"] == served_before


@pytest.mark.light
def test_a_profile_given_as_locusts_own_profile_option_is_exit_2_naming_thresholds(demo_api, tmp_path):
    """Locust's --profile names a group of test runs; a run given only that was not gated (exit 0)."""
    served_before = get_json(demo_api.url + "/healthz")["requests_served"]
    steady = Path(__file__).parent / "locustfiles" / "steady.py"
    finished = run_locust(steady, "-t", "5s", "-H", demo_api.url, "--profile", "thresholds/ci.yaml", cwd=REPO)
    assert finished.returncode == 2, finished.output[-3000:]
    assert (
        "perfgate: --profile thresholds/ci.yaml is Locust's (a name that groups test runs): give perfgate's "
        "threshold profile as --thresholds thresholds/ci.yaml"
    ) in finished.stderr
    assert get_json(demo_api.url + "/healthz")["requests_served"] == served_before


@pytest.mark.light
@pytest.mark.parametrize(
    ("args", "clash"),
    [
        (
            ("--html", "{tmp}/reports/report.html"),
            "--html {tmp}/reports/report.html writes Locust's report to {tmp}/reports/report.html, "
            "where perfgate writes its report.html (--report-dir {tmp}/reports)",
        ),
        (  # Locust fills in {u} when it writes the file
            ("-u", "3", "--report-dir", "{tmp}/out-3", "--html", "{tmp}/out-{u}/report.html"),
            "--html {tmp}/out-{u}/report.html writes Locust's report to {tmp}/out-3/report.html, "
            "where perfgate writes its report.html (--report-dir {tmp}/out-3)",
        ),
        (
            ("--json-file", "{tmp}/reports/result"),
            "--json-file {tmp}/reports/result writes Locust's report to {tmp}/reports/result.json, "
            "where perfgate writes its result.json (--report-dir {tmp}/reports)",
        ),
    ],
)
def test_locusts_own_report_on_one_of_perfgates_is_refused_before_any_request(args, clash, demo_api, tmp_path):
    """Locust writes --html before perfgate's reports and --json-file after them: one would be lost."""
    served_before = get_json(demo_api.url + "/healthz")["requests_served"]
    given = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    finished, _ = gate(tmp_path, "-t", "10s", "-H", demo_api.url, *given)
    assert finished.returncode == 2, finished.output[-3000:]
    assert clash.replace("{tmp}", str(tmp_path)) + ": one would replace the other" in finished.stderr
    assert not any(tmp_path.rglob("*.html")) and not any(tmp_path.rglob("*.json"))
    assert get_json(demo_api.url + "/healthz")["requests_served"] == served_before


@pytest.mark.light
def test_a_threshold_on_an_endpoint_without_requests_is_no_data(demo_api, tmp_path):
    profile = write_profile(
        tmp_path,
        "version: 1\nsettings: {min_requests: 5}\n"
        'endpoints:\n  "GET /api/v1/projects": {p95: "< 1s"}\n  "GET /api/v1/billing/*": {p95: "< 1s"}\n',
    )
    finished, result = gate(
        tmp_path, "-t", "6s", "-u", "8", "-r", "8", "-H", demo_api.url, "--thresholds", str(profile)
    )
    assert finished.returncode == 5, finished.output[-3000:]
    assert result["verdict"] == "inconclusive"
    statuses = {c["endpoint"]: c["status"] for c in result["checks"]}
    assert statuses == {"GET /api/v1/projects": "pass", "GET /api/v1/billing/*": "no_data"}
    assert re.search(r"^NO DATA +GET /api/v1/billing/\* +p95 ", finished.stdout, re.MULTILINE)


def test_a_few_failures_under_a_passing_error_rate_limit_exit_0(start_demo, tmp_path):
    demo = start_demo("errors:GET /api/v1/deployments/:id:25")  # ~30 requests: none failing at 10% was 4% likely
    profile = write_profile(tmp_path, 'version: 1\nglobal:\n  error_rate: "< 5%"\n')
    finished, result = gate(tmp_path, "-t", "10s", "-u", "10", "-r", "10", "-H", demo.url, "--thresholds", str(profile))
    assert finished.returncode == 0, finished.output[-3000:]
    failures = sum(endpoint["failures"] for endpoint in result["endpoints"].values())
    assert failures > 0
    assert result["checks"][0]["status"] == "pass" and 0 < result["checks"][0]["actual"] < 0.05


def test_profile_load_defaults_apply_when_the_command_line_is_silent(demo_api, tmp_path):
    profile = write_profile(
        tmp_path, 'version: 1\nload:\n  users: 3\n  spawn_rate: 3\n  run_time: 4s\nglobal:\n  requests: "> 0"\n'
    )
    finished, result = gate(tmp_path, "-H", demo_api.url, "--thresholds", str(profile))
    assert finished.returncode == 0, finished.output[-3000:]
    assert 3 <= result["duration_s"] <= 6
    assert "Ramping to 3 users" in finished.stderr or "All users spawned" in finished.stderr


@pytest.mark.light
def test_set_defaults_imports_no_locust():
    """A locustfile may set perfgate's defaults before it imports Locust, whose import monkey-patches
    the process with gevent: perfgate.set_defaults must not import it."""
    script = "import json, sys, perfgate; perfgate.set_defaults('t.yaml', 'out'); print(json.dumps(list(sys.modules)))"
    finished = run_bounded([sys.executable, "-c", script], 60, REPO)
    assert finished.returncode == 0, finished.output
    modules = json.loads(finished.stdout)
    assert "perfgate.locust.options" in modules and "locust" not in modules and "gevent" not in modules
