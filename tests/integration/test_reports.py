"""Reports of real runs, read the way CI systems and people read them: junit.xml through junitparser
and an XSD, the GitHub step summary, outputs and annotations, GitLab's files, and report.html in
headless Chromium (with and without JavaScript)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import junitparser
import xmlschema

from perfgate.core.model import Result
from perfgate.report import html
from tests.integration.test_gate import gate
from tests.processes import REPO, run_bounded

XSD = REPO / "tests" / "data" / "junit.xsd"
REPORT_FILES = {"result.json", "junit.xml", "summary.md", "gl-load-performance.json", "metrics.txt", "report.html"}


def check_html(browser, page_path: Path, verdict_line: str, result: dict) -> None:
    """Loads without errors, shows the verdict and the charts (the six of every run, and one per
    failing check with a time line, above the fold); the same without JavaScript."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: errors.append(request.url) if not request.url.startswith("file:") else None)
    page.goto(page_path.as_uri())
    assert errors == []
    assert page.locator("h1").inner_text() == verdict_line
    charts = page.locator("svg")
    assert charts.count() == 6 + len(html.failing_charts(Result.from_dict(result)))
    assert all(charts.nth(i).bounding_box()["width"] > 300 for i in range(charts.count()))
    assert page.locator("svg polyline").count() >= 8
    page.screenshot(path=str(page_path.with_name("report.png")), full_page=True)
    page.close()
    context = browser.new_context(java_script_enabled=False)
    blocked = context.new_page()
    blocked.goto(page_path.as_uri())
    assert blocked.locator("h1").inner_text() == verdict_line
    assert blocked.locator("svg polyline").count() >= 8
    context.close()


def check_reports(report_dir: Path, result: dict, browser) -> junitparser.TestSuite:
    """Every report of a run agrees with its result.json; returns the JUnit suite for more checks."""
    assert {path.name for path in report_dir.iterdir()} >= REPORT_FILES
    xmlschema.XMLSchema(XSD).validate(str(report_dir / "junit.xml"))
    suite = next(iter(junitparser.JUnitXml.fromfile(str(report_dir / "junit.xml"))))
    statuses = [check["status"] for check in result["checks"]]
    assert suite.tests == len(statuses)
    assert suite.failures == sum(s in ("fail", "regression") for s in statuses)
    unresolved = sum(s in ("inconclusive", "no_data") for s in statuses)
    assert suite.errors + suite.skipped == unresolved
    verdict_line = next(line for line in (report_dir / "summary.md").read_text().splitlines() if line.startswith("###"))
    assert result["verdict"].upper() in verdict_line
    performance = json.loads((report_dir / "gl-load-performance.json").read_text())["metrics"]
    assert performance["http_reqs"]["rate"] == round(result["total"]["rps"], 2)
    assert performance["checks"]["fails"] == len(statuses) - sum(s in ("pass", "improvement") for s in statuses)
    assert f"perfgate_exit_code {result['exit_code']}" in (report_dir / "metrics.txt").read_text()
    status_line = {"pass": "PASS", "fail": "FAIL", "regression": "REGRESSION", "inconclusive": "INCONCLUSIVE"}
    html_verdict = next(
        line for line in (report_dir / "report.html").read_text().splitlines() if line.startswith("<h1")
    )
    assert f"perfgate: {status_line[result['verdict']]}" in html_verdict
    check_html(browser, report_dir / "report.html", html_verdict.split(">", 1)[1].removesuffix("</h1>"), result)
    return suite


def test_a_failing_run_reports_to_every_ci_and_perfgate_report_renders_the_same(tmp_path, chromium):
    summary, outputs = tmp_path / "step_summary.md", tmp_path / "github_output"
    env = {
        "PERFGATE_DEMO_INJECT": "latency:GET /api/v1/projects:700",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    report_dir = tmp_path / "reports"
    locust_outputs = ("--csv", str(report_dir / "locust"), "--html", str(report_dir / "locust.html"))
    finished, result = gate(tmp_path, "-t", "12s", *locust_outputs, env=env)
    assert finished.returncode == 3, finished.output[-3000:]
    # Locust's own outputs still work beside ours, in the columns Jenkins' Performance plugin reads
    csv_header = (report_dir / "locust_stats.csv").read_text().splitlines()[0]
    assert csv_header.startswith("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time")
    assert "\nGET,/api/v1/projects," in (report_dir / "locust_stats.csv").read_text()
    assert (report_dir / "locust.html").stat().st_size > 10_000
    suite = check_reports(report_dir, result, chromium)
    failed = [case for case in suite if case.result and isinstance(case.result[0], junitparser.Failure)]
    assert [(case.classname, case.name) for case in failed] == [("perfgate.ci.GET /api/v1/projects", "p95 < 500ms")]
    assert failed[0]._elem.get("file") == "thresholds/base.yaml" and failed[0]._elem.get("line") == "8"
    assert (
        "::error file=thresholds/base.yaml,line=8,title=perfgate GET /api/v1/projects p95 < 500ms::" in finished.stdout
    )
    assert summary.read_text().startswith("### ❌ perfgate · FAIL (1 of")
    assert {"verdict=fail", "exit-code=3", "failed=1"} <= set(outputs.read_text().splitlines())

    # perfgate compare delivers the same files to its --report-dir and publishes to the same places
    compared_dir = tmp_path / "compared"
    compare = [
        sys.executable,
        "-m",
        "perfgate",
        "compare",
        str(report_dir / "result.json"),
        str(report_dir / "result.json"),
    ]
    compared = run_bounded([*compare, "--report-dir", str(compared_dir)], 60, REPO, env=env)
    assert compared.returncode == 3, compared.output
    assert {path.name for path in compared_dir.iterdir()} == {
        p.name for p in report_dir.iterdir() if p.name in REPORT_FILES
    }
    assert summary.read_text().count("### ❌ perfgate · FAIL") == 2
    assert outputs.read_text().splitlines().count("verdict=fail") == 2
    assert (
        "::error file=thresholds/base.yaml,line=8,title=perfgate GET /api/v1/projects p95 < 500ms::" in compared.stdout
    )

    written = {name: (report_dir / name).read_text() for name in ("report.html", "junit.xml", "summary.md")}
    for name in written:
        (report_dir / name).unlink()
    command = [sys.executable, "-m", "perfgate", "report", str(report_dir / "result.json"), "--format", "html"]
    rendered = run_bounded([*command, "--format", "junit", "--format", "markdown"], 60, REPO)
    assert rendered.returncode == 0, rendered.output
    assert {name: (report_dir / name).read_text() for name in written} == written
