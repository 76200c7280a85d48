"""The gate on Kubernetes, everything short of a cluster (none can run here): deploy/kubernetes
rendered by kubectl's kustomize and validated offline against Kubernetes' OpenAPI schemas; the
master Job's container run with Docker exactly as the rendered Job specifies it, with a worker from
the worker Job's spec; and the CI template's Kubernetes steps run against a stand-in kubectl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from perfgate.demo.launcher import start_demo_api
from tests.processes import REPO, run_bounded

MANIFESTS = REPO / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.33.0"  # podFailurePolicy is stable from 1.31
STAND_INS = Path(__file__).parent / "stand_ins"
WORKFLOW = REPO / ".github" / "workflows" / "perf.yml"
GITLAB = REPO / "ci" / "gitlab" / ".gitlab-ci.yml"


def render() -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is missing: .ci/run installs Debian's kubernetes-client")
        pytest.skip("kubectl is not installed (apt-get install kubernetes-client)")
    rendered = run_bounded(["kubectl", "kustomize", str(MANIFESTS)], 60, REPO)
    assert rendered.returncode == 0, rendered.output
    return [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]


def of_kind(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name)


def test_every_manifest_is_valid_kubernetes_and_an_invalid_field_is_not():
    documents = render()
    reader = yaml.safe_load((MANIFESTS / "tools" / "reports-reader.yaml").read_text())
    assert {d["kind"] for d in documents} == {"ConfigMap", "Service", "PersistentVolumeClaim", "Job"}
    for document in [*documents, reader]:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    broken = json.loads(json.dumps(of_kind(documents, "Job", "perfgate-master")))
    broken["spec"]["template"]["spec"]["containers"][0]["terminationMessagePolice"] = "File"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_master_job_keeps_the_gates_exit_code_and_verdict():
    documents = render()
    job = of_kind(documents, "Job", "perfgate-master")["spec"]
    (container,) = job["template"]["spec"]["containers"]
    assert job["backoffLimit"] == 0 and job["template"]["spec"]["restartPolicy"] == "Never"
    (fail, evicted) = job["podFailurePolicy"]["rules"]
    assert fail["action"] == "FailJob" and set(fail["onExitCodes"]["values"]) >= {2, 3, 4, 5}
    assert evicted["action"] == "Ignore" and evicted["onPodConditions"][0]["type"] == "DisruptionTarget"
    assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"
    settings = of_kind(documents, "ConfigMap", "perfgate-settings")["data"]
    assert settings["PERFGATE_TERMINATION_MESSAGE_PATH"] == container["terminationMessagePath"]
    workers = of_kind(documents, "Job", "perfgate-workers")["spec"]
    assert workers["parallelism"] == workers["completions"] == int(settings["LOCUST_EXPECT_WORKERS"])
    assert of_kind(documents, "Service", "perfgate-master")["spec"]["clusterIP"] == "None"


# --- the Job's containers, run as specified ------------------------------------------------


def docker_run(image: str, container: dict, settings: dict, mounts: dict[str, Path], name: str) -> list[str]:
    """`docker run` for a Job's container: its image (the one built here), command, args, env (the
    ConfigMap it takes all of, then its own env), security context user, and volume mounts (a host
    folder for each), on the host network so that all traffic stays on loopback."""
    env = {**settings, **{item["name"]: item["value"] for item in container.get("env", [])}}
    command = ["docker", "run", "--name", name, "--network", "host", "--user", "1000:1000"]
    for key, value in env.items():
        command += ["-e", f"{key}={value}"]
    for path, host in mounts.items():
        command += ["-v", f"{host}:{path}"]
    if "command" in container:
        command += ["--entrypoint", container["command"][0]]
    return [*command, image, *container.get("command", [])[1:], *container.get("args", [])]


@pytest.fixture
def job_containers(image: str, tmp_path: Path) -> Iterator[Any]:
    documents = render()
    started: list[str] = []

    def run(injection: str = "") -> tuple[int, str, Path]:
        """The master Job's container against a demo API (with `injection`), one worker beside it."""
        demo = start_demo_api([injection] if injection else [])
        folder = tmp_path / f"run{len(started)}"
        reports, message = folder / "reports", folder / "termination-log"
        reports.mkdir(parents=True)
        reports.chmod(0o777)  # the containers run as the image's user, 1000
        message.write_text("")
        message.chmod(0o666)
        settings = dict(of_kind(documents, "ConfigMap", "perfgate-settings")["data"])
        # what this machine differs in from a cluster: the target, one worker, a short run, and the
        # master's Service name, which is the master itself on the host network
        settings |= {"LOCUST_HOST": demo.url, "LOCUST_EXPECT_WORKERS": "1", "LOCUST_USERS": "30"}
        settings |= {"LOCUST_RUN_TIME": "20s", "LOCUST_MASTER_NODE_HOST": "127.0.0.1"}
        master = of_kind(documents, "Job", "perfgate-master")["spec"]["template"]["spec"]["containers"][0]
        worker = of_kind(documents, "Job", "perfgate-workers")["spec"]["template"]["spec"]["containers"][0]
        mounts = {mount["mountPath"]: reports for mount in master["volumeMounts"]}
        mounts[master["terminationMessagePath"]] = message
        names = [
            f"perfgate-k8s-master-{os.getpid()}-{len(started)}",
            f"perfgate-k8s-worker-{os.getpid()}-{len(started)}",
        ]
        started.extend(names)
        try:
            master_run = subprocess.Popen(
                docker_run(image, master, settings, mounts, names[0]),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            worker_run = run_bounded(docker_run(image, worker, settings, {}, names[1]), 240, REPO)
            output, _ = master_run.communicate(timeout=240)
        finally:
            demo.stop()
        assert worker_run.returncode == 0, worker_run.output[-2000:]
        return master_run.returncode, output, folder

    try:
        yield run
    finally:
        for name in started:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)


def test_the_master_jobs_container_passes_an_unchanged_target_and_fails_a_slower_one(job_containers):
    code, output, folder = job_containers()
    assert code == 0, output[-4000:]
    assert (folder / "termination-log").read_text().startswith("PASS: ")
    result = json.loads((folder / "reports" / "result.json").read_text())
    assert result["verdict"] == "pass" and result["load"]["workers"] == 1

    code, output, folder = job_containers("latency:GET /api/v1/projects:700")
    assert code == 3, output[-4000:]
    verdict = (folder / "termination-log").read_text()
    assert verdict.startswith("FAIL: GET /api/v1/projects p95 ") and verdict.rstrip().endswith("; exit 3")
    assert verdict.count("\n") == 1
    assert {path.name for path in (folder / "reports").iterdir()} >= {"result.json", "junit.xml", "report.html"}


# --- the CI template's steps -----------------------------------------------------------------


def kubernetes_steps(template: str) -> str:
    """The shell script of the template's Kubernetes job, in its steps' order."""
    if template == "github":
        steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["kubernetes"]["steps"]
        return "\n".join(step["run"] for step in steps if "run" in step)
    return "\n".join(yaml.safe_load(GITLAB.read_text())["perf_kubernetes"]["script"])


@pytest.mark.parametrize("template", ["github", "gitlab"])
@pytest.mark.parametrize(
    ("conditions", "code", "message"),
    [
        (["", "", "Failed "], "3", "FAIL: GET /api/v1/projects p95 742ms breaks the limit < 500ms; exit 3"),
        (["", "Complete "], "0", "PASS: 8 checks passed; exit 0"),
    ],
    ids=["threshold-failed", "passed"],
)
def test_the_ci_templates_kubernetes_job_exits_with_the_master_pods_code(tmp_path, template, conditions, code, message):
    script = kubernetes_steps(template)
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "job_conditions": conditions,
                "exit_code": code,
                "message": message,
                "image": "registry.example/perfgate:1.4",
            }
        )
    )
    calls = tmp_path / "calls.jsonl"
    env = {
        "PATH": f"{STAND_INS}{os.pathsep}{os.environ['PATH']}",
        "KUBECTL_SCENARIO": str(scenario),
        "KUBECTL_CALLS": str(calls),
        "KUBECONFIG_DATA": "apiVersion: v1\nkind: Config\n",
        "RUNNER_TEMP": str(tmp_path),
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
        "PERFGATE_POLL": "0.1",
    }
    checkout = tmp_path / "checkout"  # the job's working directory: the repository's files it runs
    checkout.mkdir()
    for part in ("ci", "deploy"):
        (checkout / part).symlink_to(REPO / part)
    finished = run_bounded(["bash", "-c", script], 120, checkout, env)
    assert finished.returncode == int(code), finished.output
    assert f"exited {code}: {message}" in finished.stdout
    made = [json.loads(line) for line in calls.read_text().splitlines()]
    verbs = [call[0] for call in made]
    assert verbs.index("apply") < verbs.index("get") and made[-1][0] == "delete"
    assert ["apply", "-k", "deploy/kubernetes"] in made
    assert sum(call[:2] == ["get", "job"] for call in made) == len(conditions)  # it waited for the end
    assert any(call[0] == "cp" and call[-1] == "perfgate-results" for call in made), made
    assert any(call[:2] == ["set", "image"] and "reader=registry.example/perfgate:1.4" in call for call in made), made
    applied = next(call[-1] for call in made if call[0] == "apply" and "-" in call)
    assert "image: registry.example/perfgate:1.4" in applied and "perfgate-reports-reader" in applied
    assert (checkout / "perfgate-results" / "result.json").is_file()
