"""The CI templates users copy: each validated against its platform's published schema (the ones
check-jsonschema ships), and the GitHub workflow's gate job run locally, its shell steps as one
script, as far as a machine without GitHub can."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from tests.processes import REPO, free_port, run_bounded

WORKFLOW = REPO / ".github" / "workflows" / "perf.yml"
TEMPLATES = {
    "vendor.github-workflows": WORKFLOW,
    "vendor.gitlab-ci": REPO / "ci" / "gitlab" / ".gitlab-ci.yml",
    "vendor.circle-ci": REPO / "ci" / "circleci" / "config.yml",
}
# a misspelt key in each template: the schemas must be strict enough to catch it
MISSPELT = {
    "vendor.github-workflows": ("runs-on:", "run-on:"),
    "vendor.gitlab-ci": ("allow_failure:", "allow_failures:"),
    "vendor.circle-ci": ("steps:", "step:"),
}
CHECK_JSONSCHEMA = str(Path(sys.executable).with_name("check-jsonschema"))


def validate(schema: str, path: Path):
    return run_bounded([CHECK_JSONSCHEMA, "--builtin-schema", schema, str(path)], 60, REPO)


@pytest.mark.light
@pytest.mark.parametrize("schema", TEMPLATES)
def test_each_template_matches_its_platforms_schema_and_a_broken_copy_does_not(schema, tmp_path):
    checked = validate(schema, TEMPLATES[schema])
    assert checked.returncode == 0, checked.output
    broken = tmp_path / TEMPLATES[schema].name
    text = TEMPLATES[schema].read_text()
    old, new = MISSPELT[schema]
    broken.write_text(text.replace(old, new, 1))
    assert validate(schema, broken).returncode != 0


def test_the_github_gate_jobs_shell_steps_pass_on_the_demo_api(tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["gate"]["steps"]
    # "Install" is the checkout's `pip install .`, already done for the tests; `uses:` steps are GitHub's
    local = ("Install", "Comment on the pull request")  # done for the tests already; and GitHub's own part
    script = [step["run"] for step in steps if "run" in step and step["name"] not in local]
    assert [step["name"] for step in steps if "run" in step] == [
        "Install",
        "Start the system under test",
        "Performance gate",
        "Comment on the pull request",
    ]
    for folder in ("locustfiles", "thresholds", "ci"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    summary, outputs = tmp_path / "step_summary.md", tmp_path / "github_output"
    host = workflow["env"]["PERF_HOST"].rsplit(":", 1)[0] + f":{free_port()}"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PERF_HOST": host,
        "LOCUST_RUN_TIME": "20s",  # the profile's 60 s, shortened for the test
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    command = ["bash", "-euo", "pipefail", "-c", "\n".join(script)]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=180)
    finally:
        # the demo API the script left running in the background, and anything else of the group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output[-4000:]
    assert (tmp_path / "perfgate-results" / "junit.xml").exists() and (
        tmp_path / "perfgate-results" / "report.html"
    ).exists()
    assert (tmp_path / "perfgate-baseline" / "result.json").exists()  # a passing run becomes the baseline
    assert summary.read_text().startswith("### ✅ perfgate · PASS")
    assert {"verdict=pass", "exit-code=0"} <= set(outputs.read_text().splitlines())
    assert "gated on thresholds only" in output  # no baseline yet: the first run of a repository


STAND_INS = Path(__file__).parent / "stand_ins"
SUMMARY = "### ❌ perfgate · FAIL (1 of 8 checks failed)\n\n| Status | Endpoint |\n|---|---|\n"
LATER = "### ✅ perfgate · PASS (8 checks passed)\n"


def comment_step(tmp_path: Path, summary: Path, **env: str):
    """The workflow's comment step's command, with the stand-in gh first on PATH."""
    step = next(
        s
        for s in yaml.safe_load(WORKFLOW.read_text())["jobs"]["gate"]["steps"]
        if s.get("name") == "Comment on the pull request"
    )
    command = step["run"].replace("perfgate-results/summary.md", str(summary))
    variables = {
        "PATH": f"{STAND_INS}{os.pathsep}{os.environ['PATH']}",
        "GH_STATE": str(tmp_path / "github.json"),
        "GH_CALLS": str(tmp_path / "gh-calls"),
        "GH_TOKEN": "ghs_token",
        "PR_NUMBER": "42",
        "GITHUB_REPOSITORY": "acme/api",
        **env,
    }
    return step, run_bounded(["bash", "-c", command], 60, REPO, variables)


@pytest.mark.light
def test_the_pull_request_comment_is_created_once_then_updated_and_never_fails_the_job(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text(SUMMARY)
    step, first = comment_step(tmp_path, summary)
    assert first.returncode == 0 and "commented the summary on pull request #42" in first.stdout, first.output
    summary.write_text(LATER)
    _, second = comment_step(tmp_path, summary)
    assert second.returncode == 0 and "updated the summary comment" in second.stdout, second.output
    comments = json.loads((tmp_path / "github.json").read_text())
    assert len(comments) == 1 and comments[0]["body"] == f"<!-- perfgate: pull-request summary -->\n{LATER}"
    calls = [json.loads(line) for line in (tmp_path / "gh-calls").read_text().splitlines()]
    assert [c[:3] for c in calls if "--method" in c] == [
        ["api", "--method", "POST"],
        ["api", "--method", "PATCH"],
    ]
    assert "repos/acme/api/issues/comments/1000" in calls[-1] and "repos/acme/api/issues/42/comments" in calls[0]

    # a run that ended before the gate wrote a summary: the earlier PASS must not stand on the pull request
    summary.unlink()
    _, missing = comment_step(tmp_path, summary)
    assert missing.returncode == 0 and f"::warning title=perfgate comment::{summary} not found" in missing.stdout
    comments = json.loads((tmp_path / "github.json").read_text())
    assert len(comments) == 1 and comments[0]["body"] == (
        f"<!-- perfgate: pull-request summary -->\n### ⚠️ perfgate · no summary: this run wrote none (`{summary}` "
        "not found), so no verdict is shown; the job's log says why\n"
    )

    # a read-only token (a fork's pull request): a warning, exit 0; and the step may fail without failing the job
    _, refused = comment_step(tmp_path, summary, GH_FAIL="1")
    assert refused.returncode == 0 and "::warning title=perfgate comment::could not list" in refused.stdout
    assert step["continue-on-error"] is True and step["if"] == "always() && github.event_name == 'pull_request'"
    permissions = yaml.safe_load(WORKFLOW.read_text())["permissions"]
    assert permissions["pull-requests"] == "write"
    gate = run_bounded(
        ["bash", "-c", f"(exit 3); code=$?; {step['run']} || true; exit $code"],
        60,
        REPO,
        {
            "PATH": f"{STAND_INS}{os.pathsep}{os.environ['PATH']}",
            "GH_FAIL": "1",
            "GH_CALLS": str(tmp_path / "gh-calls"),
            "PR_NUMBER": "42",
            "GITHUB_REPOSITORY": "acme/api",
        },
    )
    assert gate.returncode == 3  # the gate's code, whatever the comment did


class GitLab(http.server.BaseHTTPRequestHandler):
    """GitLab's merge-request notes API, as far as note.py uses it; requests are recorded."""

    notes: ClassVar[list[dict]] = []
    seen: ClassVar[list[tuple[str, str, str]]] = []
    failing = False

    def _answer(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.seen.append((self.command, self.path, self.headers.get("PRIVATE-TOKEN", "")))
        if self.failing:
            return self._answer(500, {"message": "500 Internal Server Error"})
        if self.command == "GET":
            page = int(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["page"][0])
            return self._answer(200, self.notes if page == 1 else [])
        if self.command == "POST":
            self.notes.append({"id": 7 + len(self.notes), "body": body["body"]})
            return self._answer(201, self.notes[-1])
        note = next(n for n in self.notes if self.path.endswith(f"/notes/{n['id']}"))
        note["body"] = body["body"]
        return self._answer(200, note)

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *_: object) -> None:
        pass


@pytest.mark.light
def test_the_merge_request_note_is_created_once_then_updated_and_never_fails_the_job(tmp_path):
    job = yaml.safe_load(TEMPLATES["vendor.gitlab-ci"].read_text())["perf_gate"]
    command = job["after_script"][0]
    assert command.startswith("python3 ci/gitlab/note.py ")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitLab)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    summary = tmp_path / "summary.md"
    env = {
        "CI_API_V4_URL": f"http://127.0.0.1:{server.server_port}/api/v4",
        "CI_PROJECT_ID": "acme/api",
        "CI_MERGE_REQUEST_IID": "9",
        "PERFGATE_GITLAB_TOKEN": "glpat-token",
    }
    note = [sys.executable, str(REPO / "ci" / "gitlab" / "note.py"), str(summary)]
    try:
        summary.write_text(SUMMARY)
        first = run_bounded(note, 60, REPO, env)
        summary.write_text(LATER)
        second = run_bounded(note, 60, REPO, env)
        after_second = [note["body"] for note in GitLab.notes]
        summary.unlink()  # a pipeline that ended before the gate wrote one
        missing = run_bounded(note, 60, REPO, env)
        GitLab.failing = True
        failing = run_bounded(note, 60, REPO, env)
    finally:
        server.shutdown()
        server.server_close()
    assert first.returncode == 0 and "added the summary note to merge request !9" in first.stdout, first.output
    assert second.returncode == 0 and "updated the summary note" in second.stdout, second.output
    assert len(after_second) == 1 and after_second[0].startswith("<!-- perfgate: merge-request summary -->\n### ✅")
    assert missing.returncode == 0 and f"warning: {summary} not found" in missing.stdout, missing.output
    assert len(GitLab.notes) == 1 and GitLab.notes[0]["body"] == (
        f"<!-- perfgate: merge-request summary -->\n### ⚠️ perfgate · no summary: this pipeline wrote none "
        f"(`{summary}` not found), so no verdict is shown; the job's log says why\n"
    )
    assert [(m, p.split("?")[0]) for m, p, _ in GitLab.seen[:2]] == [
        ("GET", "/api/v4/projects/acme%2Fapi/merge_requests/9/notes"),
        ("POST", "/api/v4/projects/acme%2Fapi/merge_requests/9/notes"),
    ]
    assert ("PUT", "/api/v4/projects/acme%2Fapi/merge_requests/9/notes/7", "glpat-token") in GitLab.seen
    assert failing.returncode == 0 and "warning: the merge-request note was not posted" in failing.stdout
    assert "after_script" in job and job["allow_failure"] == {"exit_codes": [4, 5]}
