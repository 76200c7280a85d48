"""The CI templates users copy: each validated against its platform's published schema (the ones
check-jsonschema ships), and the GitHub workflow's gate job run locally, its shell steps as one
script, as far as a machine without GitHub can."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

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
    script = [step["run"] for step in steps if "run" in step and step["name"] != "Install"]
    assert [step["name"] for step in steps if "run" in step] == [
        "Install",
        "Start the system under test",
        "Performance gate",
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
