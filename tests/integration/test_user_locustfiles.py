"""Locustfiles as users write them, gated by perfgate: the CI/CD guide's four scripts unmodified
beside `import perfgate`, and a corpus of naming styles, user and client kinds, TaskSets, shapes
and run modes, against the demo API and a third-party server from PyPI (pypiserver).

Every run of a module starts at once (they are light) so that the module costs about one run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from perfgate.core.evaluate import exit_code_of, verdict_of
from perfgate.core.model import Result
from perfgate.demo.launcher import start_demo_api
from perfgate.store.results import document_problems
from tests.processes import REPO, Finished, free_port, run_bounded

HERE = Path(__file__).parent / "locustfiles"
GUIDE = HERE / "guide"
CORPUS = HERE / "corpus"
GUIDE_FILES = ",".join(
    str(GUIDE / name)
    for name in (
        "gate.py",
        "devops_api_user.py",
        "deployment_api_user.py",
        "build_pipeline_user.py",
        "reporting_user.py",
    )
)
BEFORE_KEY_CHANGE = REPO / "tests" / "data" / "compat" / "guide-before-key-change.json"
P95_NEEDS = 60  # requests after warm-up (evaluate.min_requests_for)


@dataclass
class Run:
    finished: Finished
    result: dict | None
    report_dir: Path


def locust(
    locustfile: str | Path, report_dir: Path, args: tuple[str, ...] = (), headless: bool = True, timeout_s: float = 150
) -> Run:
    mode = ["--headless", "--only-summary"] if headless else []
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), *mode, "--report-dir", str(report_dir), *args]
    finished = run_bounded(command, timeout_s, REPO)
    result_file = report_dir / "result.json"
    return Run(finished, json.loads(result_file.read_text()) if result_file.exists() else None, report_dir)


def run_all(jobs: dict[str, dict]) -> dict[str, Run]:
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = {name: pool.submit(locust, **job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def assert_explained(run: Run, raises_in: str | None = None) -> None:
    """No traceback (but those Locust logs for the exceptions the locustfile `raises_in` raises
    itself), result.json valid, the process's exit code the result's, and that code the one its
    checks give."""
    traces = run.finished.output.split("Traceback (most recent call last):")[1:]
    innermost = [re.findall(r'File "([^"]+)"', trace)[-1:] for trace in traces]
    assert all(raises_in and frames == [str(CORPUS / raises_in)] for frames in innermost), run.finished.output[-3000:]
    assert run.result is not None, run.finished.output[-3000:]
    assert document_problems(run.result) == []
    assert run.finished.returncode == run.result["exit_code"], run.finished.output[-2000:]
    checks = Result.from_dict(run.result).checks
    assert run.result["exit_code"] == exit_code_of(verdict_of(checks)), [(c.status, c.message) for c in checks]


def named_line(locustfile: str) -> str:
    """A corpus file's line marked "the line the verdict names", as the verdict names it: path:line."""
    lines = (CORPUS / locustfile).read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if "the line the verdict names" in text)
    return f"{CORPUS.relative_to(REPO)}/{locustfile}:{line}"


def unresolved(result: dict) -> dict[str, dict]:
    return {c["endpoint"]: c for c in result["checks"] if c["status"] in ("inconclusive", "no_data")}


# --- the guide's scripts and thresholds ----------------------------------------------------


@pytest.fixture(scope="module")
def guide(tmp_path_factory) -> Iterator[dict[str, Run]]:
    """The guide's four scripts for 60 s, gated by its thresholds: 120 users (30 per class, so that
    the once-per-user logins of two classes reach the 60 requests a p95 needs), 20 users, and 120
    users with 700 ms on the projects endpoint. Tokens live 15 minutes, as a real API's do: the
    guide's scripts log in once and never renew an access token (its refresh flow keeps its first
    refresh token, which the demo API keeps valid)."""
    root = tmp_path_factory.mktemp("guide")
    demo = start_demo_api(token_ttl_s=900)
    slow = start_demo_api(["latency:GET /api/v1/projects:700"], token_ttl_s=900)
    try:
        common = ("--thresholds", str(GUIDE / "guide.yaml"), "-r", "10", "-t", "60s")
        jobs = {
            "120 users": {"args": ("-H", demo.url, "-u", "120", *common)},
            "20 users": {"args": ("-H", demo.url, "-u", "20", *common)},
            "700 ms": {"args": ("-H", slow.url, "-u", "120", *common)},
        }
        yield run_all(
            {
                name: {"locustfile": GUIDE_FILES, "report_dir": root / str(i), **job}
                for i, (name, job) in enumerate(jobs.items())
            }
        )
    finally:
        demo.stop()
        slow.stop()


def test_the_guide_with_120_users_passes_with_every_key_matched_and_no_failed_request(guide):
    run = guide["120 users"]
    assert_explained(run)
    assert run.finished.returncode == 0, run.finished.output[-3000:]
    assert {c["status"] for c in run.result["checks"]} == {"pass"}
    assert len(run.result["checks"]) == 6  # the guide's global error rate and five endpoint limits
    assert run.result["total"]["failures"] == 0
    assert all(not re.match(r"^([A-Z]+) \1 ", key) for key in run.result["endpoints"])  # never "POST POST /x"
    login = run.result["endpoints"]["POST /api/v1/auth/login"]
    assert (login["method"], login["name"], login["requests"]) == ("POST", "POST /api/v1/auth/login", P95_NEEDS)
    assert run.result["endpoints"]["POST /api/v1/auth/refresh"]["failures"] == 0


def test_the_guide_with_20_users_leaves_unresolved_only_what_got_too_few_requests_and_says_how_to_get_them(guide):
    """The logins come once per user: a longer run adds none, only more users do. At 20 users the
    guide's own pacing (waits of 1-4 s) gives some other endpoints fewer than 60 requests in 60 s
    too (measured: project builds ~38-56, POST builds ~47-50); each says what it needs."""
    run = guide["20 users"]
    assert_explained(run)
    assert run.finished.returncode == 5
    open_checks = unresolved(run.result)
    endpoints = run.result["endpoints"]
    short = {key for key, stats in endpoints.items() if stats["requests"] < P95_NEEDS}
    assert "POST /api/v1/auth/login" in open_checks
    assert set(open_checks) == short & {c["endpoint"] for c in run.result["checks"]}
    for key, check in open_checks.items():
        assert check["status"] == "inconclusive"
        assert f"only {endpoints[key]['requests']} requests" in check["message"]
        assert f"needs at least {P95_NEEDS}" in check["message"]
    login = open_checks["POST /api/v1/auth/login"]["message"]
    assert "a longer run adds none: run with about 120 users (now 20)" in login
    others = [check["message"] for key, check in open_checks.items() if key != "POST /api/v1/auth/login"]
    assert all("of measurement would get them" in message for message in others)


def test_the_guide_with_700ms_on_projects_fails_that_endpoint_named_once(guide):
    run = guide["700 ms"]
    assert_explained(run)
    assert run.finished.returncode == 3
    failed = [(c["endpoint"], c["metric"]) for c in run.result["checks"] if c["status"] == "fail"]
    assert failed == [("GET /api/v1/projects", "p95")]
    assert re.search(r"^FAIL +GET /api/v1/projects +p95 ", run.finished.stdout, re.MULTILINE)
    assert "GET GET" not in run.finished.stdout


def test_a_baseline_written_before_the_key_change_compares_with_a_run_after_it(guide, tmp_path):
    """tests/data/compat holds a result.json of the guide's scripts written by perfgate before keys
    wrote the method once ("POST POST /api/v1/auth/login")."""
    stored = json.loads(BEFORE_KEY_CHANGE.read_text())
    assert "POST POST /api/v1/auth/login" in stored["endpoints"]
    command = [sys.executable, "-m", "perfgate", "compare", str(BEFORE_KEY_CHANGE)]
    current = guide["120 users"].report_dir / "result.json"
    finished = run_bounded([*command, str(current), "--report-dir", str(tmp_path)], 60, REPO)
    assert finished.returncode in (0, 4, 5), finished.output
    comparison = json.loads((tmp_path / "result.json").read_text())["comparison"]
    assert comparison["new_endpoints"] == [] and comparison["gone_endpoints"] == []
    assert "POST POST" not in finished.stdout


# --- the corpus ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package_index(tmp_path_factory) -> Iterator[str]:
    """pypiserver (from PyPI, not ours) on a free loopback port, serving one package file."""
    packages = tmp_path_factory.mktemp("packages")
    (packages / "locust_plugins-5.0.3-py3-none-any.whl").write_bytes(b"")
    port = free_port()
    command = [sys.executable, "-m", "pypiserver", "run", "-p", str(port), "-i", "127.0.0.1", "--disable-fallback"]
    command.append(str(packages))  # no fallback: an unknown package is a 404 here, not a redirect to pypi.org
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    ready = threading.Event()
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Listening on"):
                ready.set()
                break
        watchdog.cancel()
        assert ready.is_set(), "pypiserver did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        watchdog.cancel()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


CORPUS_RUNS = {
    # name: (locustfile, profile, arguments, exit code)
    "naming styles": ("names.py", "names.yaml", ("-u", "4", "-r", "4", "-t", "8s"), 0),
    "FastHttpUser, rest, catch_response": ("fasthttp.py", "generic.yaml", ("-u", "4", "-r", "4", "-t", "8s"), 0),
    "TaskSets": ("tasksets.py", "generic.yaml", ("-u", "4", "-r", "4", "-t", "8s"), 0),
    "a User without HTTP": ("no_http.py", "generic.yaml", ("-u", "2", "-r", "2", "-t", "5s"), 5),
    "a custom client": ("custom_client.py", "custom_client.yaml", ("-u", "3", "-r", "3", "-t", "8s"), 0),
    "its own LoadTestShape": ("own_shape.py", "generic.yaml", (), 0),
    # one user: locust-plugins quits only when the user that reaches the limit is the last one running,
    # which several users can miss between them (the run then lasts its -t); no login, which one
    # user would make once, too few for a check; 150 iterations, because the tasks are picked at random
    # and with 40 the one-in-six SQL task fell below min_requests in 2.7% of runs (one CI run it did)
    "--iterations": ("custom_client.py", "custom_client.yaml", ("-u", "1", "-r", "1", "-t", "40s", "-i", "150"), 0),
    "--processes": ("tasksets.py", "generic.yaml", ("--processes", "2", "-u", "4", "-r", "4", "-t", "8s"), 0),
    "the web UI": ("names.py", "names.yaml", ("--autostart", "--autoquit", "0", "-u", "3", "-r", "3", "-t", "8s"), 0),
    "a third-party server": ("pypi_user.py", "pypi_user.yaml", ("-u", "3", "-r", "3", "-t", "8s"), 0),
    "one user for four classes": (GUIDE_FILES, str(GUIDE / "guide.yaml"), ("-t", "6s"), 5),
    "it stops itself": ("stops_itself.py", "generic.yaml", ("-u", "2", "-r", "2", "-t", "30s"), 3),
    "--tags": ("tagged.py", "tagged.yaml", ("-u", "2", "-r", "2", "-t", "6s", "--tags", "smoke"), 5),
    "--stop-timeout": (
        "finishes_its_task.py",
        "generic.yaml",
        ("-u", "3", "-r", "3", "-t", "3s", "--stop-timeout", "5"),
        0,
    ),
    "--reset-stats": ("custom_client.py", "custom_client.yaml", ("-u", "4", "-r", "2", "-t", "6s", "--reset-stats"), 0),
    "classes named on the command line": (
        GUIDE_FILES,
        str(GUIDE / "guide.yaml"),
        ("-u", "2", "-t", "5s", "DevOpsApiUser"),
        5,
    ),
    "a listener that raises": ("seeds_data.py", "generic.yaml", ("-u", "2", "-r", "2", "-t", "4s"), 5),
    "--json": ("names.py", "names.yaml", ("-u", "4", "-r", "4", "-t", "6s", "--json"), 0),
    # alone, Locust would exit 7: a task raised
    "a task that raises": (
        "raises_in_task.py",
        "generic.yaml",
        ("-u", "2", "-r", "2", "-t", "4s", "--exit-code-on-error", "7"),
        5,
    ),
    "a task that raises, on workers": (
        "raises_in_task.py",
        "generic.yaml",
        ("--processes", "2", "-u", "2", "-r", "2", "-t", "10s"),
        5,
    ),
    "response times that are not numbers": ("bad_times.py", "generic.yaml", ("-u", "2", "-r", "2", "-t", "4s"), 5),
    "response times that are not numbers, on workers": (
        "bad_times.py",
        "generic.yaml",
        ("--processes", "2", "-u", "2", "-r", "2", "-t", "10s"),
        5,
    ),
}


@pytest.fixture(scope="module")
def corpus(demo_api, package_index, tmp_path_factory) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("corpus")
    jobs = {}
    for index, (name, (locustfile, profile, args, _)) in enumerate(CORPUS_RUNS.items()):
        host = package_index if name == "a third-party server" else demo_api.url
        ports = ("--web-host", "127.0.0.1", "--web-port", str(free_port())) if name == "the web UI" else ()
        if "--processes" in args:  # not Locust's default 5557: runs at once would share one master
            port = str(free_port())
            ports += ("--master-bind-port", port, "--master-port", port)
        jobs[name] = {
            "locustfile": CORPUS / locustfile if not locustfile.startswith("/") else locustfile,
            "report_dir": root / str(index),
            "args": ("-H", host, "--thresholds", str(CORPUS / profile), *ports, *args),
            "headless": name != "the web UI",
        }
    return run_all(jobs)


REFUSES_A_TIME = str(REPO / "perfgate" / "locust" / "patches.py")  # where a NaN time or no length is refused
RAISES_ITSELF = {  # its own traceback is in Locust's log
    "a listener that raises": "seeds_data.py",
    "a task that raises": "raises_in_task.py",
    "a task that raises, on workers": "raises_in_task.py",
    "response times that are not numbers": REFUSES_A_TIME,
    "response times that are not numbers, on workers": REFUSES_A_TIME,
}


@pytest.mark.parametrize("name", list(CORPUS_RUNS))
def test_every_locustfile_of_the_corpus_gets_an_explained_verdict(corpus, name):
    run = corpus[name]
    assert_explained(run, RAISES_ITSELF.get(name))
    assert run.finished.returncode == CORPUS_RUNS[name][3], run.finished.output[-3000:]


def endpoint_keys(run: Run) -> set[str]:
    return set(run.result["endpoints"])


def test_every_naming_style_is_keyed_with_the_method_once_and_matched_by_keys_in_any_style(corpus):
    run = corpus["naming styles"]
    assert endpoint_keys(run) == {
        "POST /api/v1/auth/login",  # no name=: the URL
        "GET /api/v1/projects",  # name="GET /api/v1/projects"
        "GET /api/v1/deployments",  # name="/api/v1/deployments"
        "GET /api/v1/builds/9001/status?verbose=1",  # no name=: path and query
        "GET deployment detail",  # rename_request
        "GET /api/v1/projects/:id/builds",  # client.request("get", ...)
    }
    assert {c["status"] for c in run.result["checks"]} == {"pass"}
    assert len(run.result["checks"]) == 7  # every key of names.yaml matched one endpoint


def test_request_types_that_are_not_http_methods_and_names_with_spaces(corpus):
    run = corpus["a custom client"]
    assert endpoint_keys(run) == {
        "grpc helloworld.Greeter/SayHello",
        "grpc Health Check",
        "sql SELECT builds by project",
    }
    sql = run.result["endpoints"]["sql SELECT builds by project"]
    assert sql["failures"] > 0 and sql["errors"][0]["message"] == "RuntimeError('UNAVAILABLE: upstream reset')"


def test_fasthttp_rest_and_catch_response_failures_are_counted(corpus):
    run = corpus["FastHttpUser, rest, catch_response"]
    endpoints = run.result["endpoints"]
    assert {"GET /builds/:id", "GET /api/v1/builds/78110/artifacts", "POST /api/v1/auth/token"} <= set(endpoints)
    judged = endpoints["GET /api/v1/builds/78111/status"]
    assert judged["failures"] == judged["requests"] > 0
    assert judged["errors"][0]["message"] == "CatchResponseError('the locustfile calls every one of these a failure')"
    named = "GET /api/v1/builds/78111/status: its latency checks passed on requests of which"
    assert any(warning.startswith(named) for warning in run.result["warnings"]), run.result["warnings"]


@pytest.mark.light  # apart from the corpus, whose runs share the machine's two cores at once
def test_a_class_that_config_users_gave_weight_0_is_named_with_where_its_weight_came_from(demo_api, tmp_path):
    configured = '[{"user_class_name": "Wanderer", "weight": 0}]'
    profile = str(CORPUS / "generic.yaml")
    load = ("-u", "4", "-r", "4", "-t", "4s", "--config-users", configured)
    run = locust(CORPUS / "tasksets.py", tmp_path, ("-H", demo_api.url, "--thresholds", profile, *load))
    assert_explained(run)
    assert run.finished.returncode == 0, run.finished.output[-3000:]
    assert run.result["load"]["user_classes"] == {"ReportReader": 4, "Wanderer": 0}
    assert (
        "user class Wanderer got no user: its weight is 0 (set by --config-users), so no -u gives it a user; "
        "give it a weight above 0"
    ) in run.result["warnings"]


def test_tasksets_and_processes_record_the_same_endpoints(corpus):
    expected = {"POST /api/v1/session/login", "GET /reports/frequency", "GET /reports/failure-rate"}
    assert expected <= endpoint_keys(corpus["TaskSets"])
    assert expected <= endpoint_keys(corpus["--processes"])
    assert corpus["--processes"].result["total"]["requests"] > 0


def test_a_run_that_ends_on_its_iterations_is_not_cut_short(corpus):
    run = corpus["--iterations"]
    assert run.result["duration_s"] < 30, run.finished.output[-4000:]
    assert not [c for c in run.result["checks"] if c["kind"] == "run"]


def test_a_user_without_requests_is_no_data_and_a_shape_sets_the_user_count(corpus):
    statuses = {(c["endpoint"], c["status"]) for c in corpus["a User without HTTP"].result["checks"]}
    assert statuses == {("global", "no_data"), ("default", "no_data")}
    shaped = corpus["its own LoadTestShape"].result
    assert not any("default of 1 user" in warning for warning in shaped["warnings"])
    assert max(row["users"] for row in shaped["timeline"]) == 5


def test_a_third_party_server_is_gated_on_keys_in_both_styles(corpus):
    run = corpus["a third-party server"]
    assert endpoint_keys(run) == {"GET /simple/", "GET /simple/:package/", "GET /health", "GET /simple/:missing/"}
    assert {c["status"] for c in run.result["checks"]} == {"pass"} and len(run.result["checks"]) == 5


def test_a_run_the_locustfile_stops_early_names_the_line_that_stopped_it(corpus):
    run = corpus["it stops itself"]
    statuses = {c["metric"]: c for c in run.result["checks"] if c["endpoint"] in ("global", "run")}
    assert statuses["error_rate"]["status"] == "fail"  # the reason it stopped, judged by the profile too
    missing = run.result["endpoints"]["GET /no/such/page"]["errors"][0]["message"]
    assert missing == "LocustBadStatusCode(code=404)"  # a status is not an OAuth code=: not redacted
    early = statuses["run_time"]
    assert early["status"] == "inconclusive" and run.result["duration_s"] < 20, early
    where = f"{named_line('stops_itself.py')} (checker)"
    assert early["message"].endswith(f"stopped by the code at {where}"), early


def test_reset_stats_starts_the_measurement_where_locust_zeroes_its_counters(corpus):
    assert_measured_from_the_reset(corpus["--reset-stats"], 1.0, 3.0)


@pytest.mark.light  # apart from the corpus, whose runs share the machine's two cores at once
def test_a_reset_the_locustfile_makes_itself_starts_the_measurement_there_too(demo_api, tmp_path):
    """No reset_stats event: the measurement went on from the start, the requests since the reset
    over the whole run's time."""
    load = ("-H", demo_api.url, "--thresholds", str(CORPUS / "generic.yaml"), "-u", "2", "-r", "2", "-t", "5s")
    run = locust(CORPUS / "resets_itself.py", tmp_path, load)
    assert_explained(run)
    assert run.finished.returncode == 0, run.finished.output[-3000:]
    assert_measured_from_the_reset(run, 1.9, 3.5)  # its greenlet sleeps 2 s: later on a busy machine
    (healthz,) = run.result["endpoints"].values()
    assert healthz["rps"] == pytest.approx(healthz["requests"] / run.result["measurement"]["measured_s"], rel=0.01)


def assert_measured_from_the_reset(run: Run, earliest_s: float, latest_s: float) -> None:
    """Measured from the moment the log names, as many requests as Locust's own table counts."""
    measurement = run.result["measurement"]
    reset_at = float(re.search(r"perfgate: stats reset at ([0-9.]+)s", run.finished.output)[1])
    assert (
        earliest_s <= reset_at < latest_s
        and f"the stats were reset at {reset_at:.0f}s: measured from then" in run.result["warnings"]
    ), reset_at
    assert measurement["measured_s"] == pytest.approx(run.result["duration_s"] - reset_at, abs=0.2), measurement
    locusts = re.search(r"^\s+Aggregated\s+(\d+)\s", run.finished.output, re.MULTILINE)
    assert measurement["measured_requests"] == run.result["total"]["requests"] == int(locusts[1])


def test_the_requests_users_make_while_they_finish_their_tasks_are_timed_with_them(corpus):
    """Each user's second task is under way at -t 3s: its second step comes at about 5 s, counted
    by Locust; the measured time runs to then, not to the stop."""
    result = corpus["--stop-timeout"].result
    steps = result["endpoints"]
    assert steps["GET first step"]["requests"] == steps["GET second step"]["requests"] == 6, steps
    assert 4.5 < result["measurement"]["measured_s"] < 6.5, result["measurement"]
    assert steps["GET second step"]["rps"] == pytest.approx(6 / result["measurement"]["measured_s"], rel=0.02)


def test_tasks_that_tags_left_out_are_named_with_the_keys_only_they_request(corpus):
    result = corpus["--tags"].result
    assert "--tags smoke left out 2 task(s): Api.projects, Reports.failure_rate" in result["warnings"]
    statuses = {c["endpoint"]: (c["status"], c["message"]) for c in result["checks"]}
    assert statuses["GET /healthz"][0] == statuses["GET /reports/frequency"][0] == "pass"
    assert statuses["GET /api/v1/projects"] == (
        "no_data",
        "no endpoint that received requests matches 'GET /api/v1/projects'; "
        "--tags smoke left out Api.projects, which requests it",
    )
    assert statuses["GET /reports/failure-rate"][1].endswith(
        "--tags smoke left out Reports.failure_rate, which requests it"
    )


def test_a_key_only_classes_left_off_the_command_line_request_says_so(corpus):
    result = corpus["classes named on the command line"].result
    assert set(result["load"]["user_classes"]) == {"DevOpsApiUser"}
    notes = {c["endpoint"]: c["message"] for c in result["checks"] if c["status"] == "no_data"}
    named = "which is not in this run: the command line names the user classes to run (DevOpsApiUser)"
    assert notes["POST /api/v1/builds"].endswith(f"; only BuildPipelineUser requests it, {named}"), notes
    assert notes["GET /api/v1/reports/deployment-frequency"].endswith(f"; only ReportingUser requests it, {named}")
    # DevOpsApiUser requests it (in 5 s at the guide's waits of 1-4 s maybe not yet): no other class is blamed
    assert "not in this run" not in notes.get("GET /api/v1/projects", "")


def test_an_exception_that_locust_only_logs_is_named_with_its_line(corpus):
    """Locust catches what a listener raises, logs it and flags the run; the verdict says what and where."""
    (check,) = [c for c in corpus["a listener that raises"].result["checks"] if c["metric"] == "exceptions"]
    where = f"{named_line('seeds_data.py')} in seed"
    assert (check["status"], check["actual"]) == ("inconclusive", 1.0)
    assert check["message"] == (
        f"the locustfile raised 1 unhandled exception(s): RuntimeError: seeding failed: 503 from "
        f"/admin/seed?token=*** ({where})"
    )


@pytest.mark.light  # apart from the corpus, whose runs share the machine's two cores at once
def test_a_load_shape_that_raises_is_named_with_its_line(demo_api, tmp_path):
    """Locust's log set-up keeps the record of a dead greenlet on its own logger, not the root."""
    profile = str(CORPUS / "generic.yaml")
    run = locust(CORPUS / "broken_shape.py", tmp_path, ("-H", demo_api.url, "--thresholds", profile))
    assert_explained(run, raises_in="broken_shape.py")
    assert run.finished.returncode == 5, run.finished.output[-3000:]
    (check,) = [c for c in run.result["checks"] if c["metric"] == "exceptions"]
    where = f"{named_line('broken_shape.py')} in tick"
    assert (check["status"], check["actual"]) == ("inconclusive", 1.0)
    assert check["message"] == (
        f"the locustfile raised 1 unhandled exception(s): IndexError: list index out of range ({where})"
    )


def test_with_json_stdout_holds_only_locusts_stats_and_the_verdict_goes_to_stderr(corpus):
    """`locust --json | jq ...`: stdout is for a parser."""
    finished = corpus["--json"].finished
    stats = json.loads(finished.stdout)
    assert {(entry["method"], entry["name"]) for entry in stats} >= {("GET", "GET /api/v1/projects")}
    assert re.search(r"^PASS +GET /api/v1/projects +p95 ", finished.stderr, re.MULTILINE), finished.stderr[-2000:]
    assert "perfgate: PASS" in finished.stderr


GUIDE_REQUESTERS = {  # which of the guide's classes make the requests its thresholds name
    "POST /api/v1/auth/login": {"DevOpsApiUser", "DeploymentApiUser"},
    "GET /api/v1/projects": {"DevOpsApiUser"},
    "GET /api/v1/projects/:id/builds": {"DevOpsApiUser"},
    "POST /api/v1/builds": {"BuildPipelineUser"},
    "GET /api/v1/reports/deployment-frequency": {"ReportingUser"},
}


def test_one_user_for_four_classes_names_the_idle_classes_and_why_their_keys_got_no_data(corpus):
    result = corpus["one user for four classes"].result
    classes = result["load"]["user_classes"]
    ran = {name for name, peak in classes.items() if peak}
    assert len(classes) == 4 and len(ran) == 1 and sum(classes.values()) == 1
    warnings = result["warnings"]
    assert any("Locust ran its default of 1 user" in warning for warning in warnings)
    idle = next(w for w in warnings if " got no user: " in w)
    assert "1 user (Locust's default) for 4 user classes; run with at least -u 4" in idle
    assert all(name in idle for name in set(classes) - ran)
    no_data = [c for c in result["checks"] if c["status"] == "no_data"]
    assert no_data, result["checks"]
    for check in no_data:
        blamed = "it, and got no user: 1 user (Locust's default) for 4 user classes" in check["message"]
        # a key is put down to idle classes only when no class that ran requests it
        assert blamed == (not GUIDE_REQUESTERS[check["endpoint"]] & ran), (ran, check["message"])


# Workers send what they found with their stats reports (every 3 s, and once at the stop): a master
# that quits gives that last one 0.5 s (Locust's wait, for its own request counts too), which a run
# among twenty at once on two cores can miss. Their runs are longer and their counts bounded, not exact.
ON_WORKERS = ", on workers"


@pytest.mark.parametrize("where", ["", ON_WORKERS])
def test_a_tasks_exception_is_named_with_its_type_and_line_and_counted(corpus, where):
    """Locust's own record says `'access_token'` (str of a KeyError); on workers the exceptions
    come to the master with their stats reports."""
    run = corpus["a task that raises" + where]
    (check,) = [c for c in run.result["checks"] if c["metric"] == "exceptions"]
    where_raised = f"{named_line('raises_in_task.py')} in health"
    requests = run.result["endpoints"]["GET /healthz"]["requests"]
    # one per task, after its request: the stop may cut a task short between the two (one per user)
    assert (0 if where else requests - 2) < check["actual"] <= requests
    count = f"{check['actual']:,.0f}"
    times = f"{count} x " if check["actual"] > 1 else ""
    assert check["message"] == (
        f"the locustfile raised {count} unhandled exception(s): {times}KeyError: 'access_token' ({where_raised})"
    )
    ignored = [warning for warning in run.result["warnings"] if "--exit-code-on-error" in warning]
    if where:  # Locust's default
        assert not ignored, ignored
    else:
        assert ignored == [
            "--exit-code-on-error 7 does not apply: with a profile the verdict sets the exit code, and failed "
            "requests count through the profile's error_rate and failures limits"
        ]


@pytest.mark.parametrize("where", ["", ON_WORKERS])
def test_response_times_that_are_not_numbers_are_refused_each_kind_named_once(corpus, where):
    """Locust would count them and crash in its summary, exit 1 with no verdict (or fail to count a
    request with no length, naming neither): here the run keeps its exit code and verdict, the
    exceptions check names each kind once with its count, and the requests with a time are measured.
    On workers (`--processes`) each finds its own, and they come to the master with the workers'
    stats reports."""
    run = corpus["response times that are not numbers" + where]
    assert "perfgate: INCONCLUSIVE" in run.finished.stdout
    (check,) = [c for c in run.result["checks"] if c["metric"] == "exceptions"]
    named = re.findall(r"(?:([\d,]+) x )?ValueError: amqp ([a-z ]+): events\.request reported", check["message"])
    refused = {name: int(count.replace(",", "") or 1) for count, name in named}
    assert set(refused) == {"rpc deploy", "consume events", "ack events"}, check["message"]
    assert check["actual"] == sum(refused.values())
    if not where:  # every task made one request or refused one: each kind about an eighth of them
        assert all(count > 1 for count in refused.values()), check["message"]
    assert "a response time of inf ms" in check["message"] and "a response time of nan ms" in check["message"]
    assert (
        "ack events: events.request reported a response_length of None; it takes a number of bytes"
        in (check["message"])
    )
    assert set(run.result["endpoints"]) == {"amqp publish builds", "amqp fetch artifacts"}
    (seconds,) = [w for w in run.result["warnings"] if "took under 1 ms" in w]
    assert seconds.startswith("latency checks passed on requests that each took under 1 ms: amqp fetch artifacts (")
    assert "publish builds" not in seconds and "multiply by 1000" in seconds


@pytest.mark.light
def test_a_run_joined_by_the_workers_of_another_run_on_its_master_port_is_inconclusive(demo_api, tmp_path):
    """Two `--processes` runs on one machine with one master port (Locust's default, 5557, unless
    set): the second master cannot bind, and its workers join the first run, which must not pass
    on load it did not plan."""
    port = str(free_port())
    shared = ("--processes", "2", "--master-bind-port", port, "--master-port", port, "-u", "2", "-r", "2", "-t", "6s")
    files = {"TaskSets": "tasksets.py", "RpcUser": "custom_client.py"}
    runs = run_all(
        {
            name: {
                "locustfile": CORPUS / file,
                "report_dir": tmp_path / file,
                "args": ("-H", demo_api.url, "--thresholds", str(CORPUS / "generic.yaml"), *shared),
            }
            for name, file in files.items()
        }
    )
    (bound,) = [name for name, run in runs.items() if run.result is not None]
    (refused,) = set(files) - {bound}
    assert "Address already in use" in runs[refused].finished.output, runs[refused].finished.output[-3000:]
    assert_explained(runs[bound])
    assert runs[bound].finished.returncode == 5
    # the strangers' check: another workers check may come beside it (one such run beside the corpus had two)
    (check,) = [c for c in runs[bound].result["checks"] if (c["metric"], c["limit"]) == ("workers", "this run's own")]
    strangers = "RpcUser" if refused == "RpcUser" else "ReportReader, Wanderer"
    assert check["message"].startswith(
        f"workers running user classes this locustfile does not define ({strangers}) took part"
    ), check["message"]
