"""The report files as their readers parse them: JUnit through junitparser and an XSD, GitLab's
metrics through its shell-split rule, GitHub's workflow commands, Markdown and HTML structure."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import junitparser
import pytest
import xmlschema

from perfgate.core.model import CheckResult, Refusal, Result, Status, Verdict
from perfgate.report import console, github, gitlab, html, junit, markdown, termination
from perfgate.report import output as output_step
from perfgate.report.svg import (
    CHAR_WIDTH,
    RIGHT,
    WARMUP_FILL,
    WIDTH,
    Chart,
    Series,
    legend_positions,
    log_ticks,
    nice_ticks,
    render,
)

XSD = xmlschema.XMLSchema(Path(__file__).parent.parent / "data" / "junit.xsd")
DOTTED = "GET /api/v1.2/items"


def endpoint(requests: int, p95: float, failures: int = 0) -> dict:
    return {
        "method": "GET",
        "name": "x",
        "requests": requests,
        "failures": failures,
        "error_rate": failures / requests,
        "rps": requests / 60,
        "p50": p95 / 3,
        "p90": p95 * 0.8,
        "p95": p95,
        "p99": p95 * 1.5,
        "max": p95 * 2,
        "min": 1.0,
        "avg": p95 / 2,
        "histogram": {"2": requests // 2, str(int(p95)): requests - requests // 2},
    }


def check(endpoint: str, metric: str, limit: str, status: str, kind: str = "threshold", **extra) -> CheckResult:
    message = extra.pop("message", f"{metric} {status} against {limit}")
    source = extra.pop("source", f"{Path.cwd()}/thresholds/ci.yaml:7")
    return CheckResult(
        endpoint, metric, limit, 120.0, status, message, f"endpoints.{metric}", source, kind=kind, **extra
    )


def sample(exit_code: int = 3, verdict: str = "fail", failures: int = 1) -> Result:
    checks = [check("GET /api/v1/projects", "p95", "< 500ms", "pass")]
    checks += [
        check(f"GET /api/v1/e{i}", "p95", "< 100ms", "fail", message=f"p95 120ms > 100ms\x07 #{i}")
        for i in range(failures)
    ]
    checks += [
        check(DOTTED, "p95", "< 800ms", "inconclusive", message="41 requests; p95 needs 60"),
        check(
            "GET /api/v1/projects",
            "p95",
            "+20%",
            "regression",
            kind="regression",
            baseline=40.0,
            change=2.0,
            adjusted_change=1.9,
            interval=(1.5, 2.4),
            detectable=0.2,
            noise="assumed",
        ),
        check("GET /api/v1/projects", "p95", "+20%", "pass", source=""),  # same title as a check above
    ]
    timeline = [
        {
            "t": t,
            "users": 10,
            "warmup": t <= 2,
            "requests": 50,
            "rps": 25.0,
            "error_rate": 0.01,
            "p50": 5.0,
            "p95": 20.0,
            "p99": 30.0,
            "endpoints": {"GET /api/v1/projects": {"p95": 20.0}},
        }
        for t in (2.0, 4.0, 6.0)
    ]
    return Result(
        verdict,
        exit_code,
        "2026-11-25T08:00:00+00:00",
        60.0,
        "http://127.0.0.1:8080",
        "thresholds/ci.yaml",
        {"perfgate": "0.1.0", "locust": "2.47.0"},
        checks,
        {"GET /api/v1/projects": endpoint(900, 120.0), DOTTED: endpoint(41, 30.0, failures=2)},
        timeline=timeline,
        warnings=["baseline ran with users 20, this run with 50"],
        total={
            "requests": 941,
            "rps": 15.68,
            "error_rate": 0.002,
            "avg": 50.0,
            "min": 1.0,
            "max": 240.0,
            "p50": 40.0,
            "p90": 96.0,
            "p95": 120.0,
        },
        load={"users": 50, "spawn_rate": 25, "run_time_s": 60, "workers": 0},
        comparison={"baseline": "baseline.json", "baseline_runs": 3, "global_shift": {"p95": 0.05}},
    )


def parsed_junit(result: Result, tmp_path: Path) -> junitparser.JUnitXml:
    path = junit.write(result, tmp_path)
    XSD.validate(str(path))
    return junitparser.JUnitXml.fromfile(str(path))


def test_junit_counts_failures_regressions_and_inconclusive_checks_as_parsers_read_them(tmp_path):
    xml = parsed_junit(sample(), tmp_path)
    suite = next(iter(xml))
    assert suite.name == "perfgate.ci"
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 2, 1, 0)
    cases = {(case.classname, case.name): case for case in suite}
    assert len(cases) == 5  # classname + name unique, even for two checks of the same title
    failed = cases[("perfgate.ci.GET /api/v1/e0", "p95 < 100ms")]
    (outcome,) = failed.result
    assert isinstance(outcome, junitparser.Failure) and outcome.type == "threshold"
    assert outcome.message == "p95 120ms > 100ms\\x07 #0" and outcome.message in outcome.text  # body for GitLab
    assert failed._elem.get("file") == "thresholds/ci.yaml" and failed._elem.get("line") == "7"
    inconclusive = cases[("perfgate.ci.GET /api/v1_2/items", "p95 < 800ms")]  # no dot for Jenkins to split at
    assert isinstance(inconclusive.result[0], junitparser.Error) and inconclusive.result[0].type == "inconclusive"
    regression = cases[("perfgate.ci.GET /api/v1/projects", "p95 vs baseline (+20%)")]
    assert regression.result[0].type == "regression"
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["users"] == "50" and properties["baseline"] == "baseline.json (3 runs)"


def test_junit_skips_unresolved_checks_only_when_the_gate_passed_them(tmp_path):
    suite = next(iter(parsed_junit(sample(exit_code=0, verdict="pass", failures=0), tmp_path)))
    assert (suite.errors, suite.skipped) == (0, 1)


def test_markdown_puts_the_verdict_and_failing_checks_first():
    text = markdown.render(sample())
    first = text.splitlines()[0]
    assert first.startswith("### ❌ perfgate · FAIL (1 of 5 checks failed)") and "50 users" in first
    table = text.split("\n\n")[1].splitlines()
    assert [row.split("|")[1].strip() for row in table[2:]] == ["❌ FAIL", "📉 REGRESSION", "⚠️ INCONCLUSIVE"]
    assert "| `GET /api/v1/projects` | 900 |" in text and "x2.9" in text


def test_markdown_fits_in_one_github_comment_with_its_largest_tables_cut_and_said_so():
    big = sample(failures=3000)
    big = replace(big, endpoints={f"GET /api/v1/e{i}": endpoint(900, 120.0) for i in range(3000)})
    text = markdown.render(big)
    assert len(text) <= markdown.COMMENT_LIMIT - markdown.MARKER_ROOM
    assert text.startswith("### ❌ perfgate · FAIL (3000 of 3004 checks failed)")
    assert "more rows, cut to fit GitHub's 65,536-character limit; result.json has every one." in text
    assert text.count("| ❌ FAIL |") > 20  # the failing checks still lead
    small = markdown.render(sample())
    assert "cut to fit" not in small and small == markdown.render(sample())


def test_github_annotations_stop_at_ten_and_say_how_many_more():
    lines = github.annotations(sample(failures=14))
    assert len(lines) == 11 and lines[-1].startswith("::notice title=perfgate::5 more failed checks")
    assert lines[0].startswith("::error file=thresholds/ci.yaml,line=7,title=perfgate GET /api/v1/e0 p95 < 100ms::")
    assert "%" not in lines[0].split("::")[2].replace("%25", "")  # data escaped


def test_github_publish_appends_the_summary_and_outputs_only_on_github(tmp_path):
    summary, output = tmp_path / "summary", tmp_path / "output"
    summary.write_text("earlier step\n")
    printed = tmp_path / "stdout"
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    elsewhere = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    with printed.open("w") as out:
        for where in (environ, elsewhere):  # the output step publishes where a publisher applies
            output_step.deliver(sample(), output_step.Destinations(tmp_path / "r", [], environ=where, out=out))
    assert summary.read_text().startswith("earlier step\n### ❌ perfgate · FAIL")
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["verdict"] == "fail" and outputs["exit-code"] == "3" and outputs["regressed"] == "1"
    assert printed.read_text().count("::error ") == 2


def test_a_refusal_replaces_an_earlier_runs_reports_and_tells_github_and_kubernetes(tmp_path):
    """An earlier run's verdict left in the report directory would be read as this run's by the steps
    after it (a pull-request comment is updated from summary.md, JUnit publishers read junit.xml)."""
    reports = tmp_path / "reports"
    output_step.deliver(sample(), output_step.Destinations(reports, publish=False))
    (reports / "notes.txt").write_text("the user's own")
    summary, output, message = tmp_path / "summary", tmp_path / "output", tmp_path / "termination"
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        termination.PATH_VARIABLE: str(message),
    }
    problems = tuple(f"thresholds/ci.yaml:{line} endpoints.p95: expected a duration | <b>" for line in range(3, 15))
    printed = tmp_path / "stdout"
    with printed.open("w") as out:
        delivery = output_step.deliver_refusal(
            Refusal("invalid profile", problems), output_step.Destinations(reports, environ=environ, out=out)
        )
    assert sorted(path.name for path in reports.iterdir()) == ["notes.txt", "summary.md"]
    assert delivery.written == [reports / "summary.md"] and not delivery.failed
    written = (reports / "summary.md").read_text()
    assert written.startswith("### ⛔ perfgate · refused: invalid profile; nothing was run (exit code 2)\n")
    assert "- thresholds/ci.yaml:3 endpoints.p95: expected a duration \\| \\<b\\>" in written
    assert summary.read_text() == written + "\n"
    annotations = printed.read_text().splitlines()
    assert len(annotations) == 11 and annotations[-1].startswith("::notice title=perfgate::2 more problems")
    assert annotations[0] == (
        "::error file=thresholds/ci.yaml,line=3,title=perfgate refused%3A invalid profile::"
        "thresholds/ci.yaml:3 endpoints.p95: expected a duration | <b>"
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["verdict"] == "refused" and outputs["exit-code"] == "2"
    first = "thresholds/ci.yaml:3 endpoints.p95: expected a duration | <b>"
    assert message.read_text() == f"REFUSED: invalid profile: {first} (and 11 more); exit 2\n"


def test_a_refusal_with_more_problems_than_a_comment_holds_lists_the_first_fifty():
    text = markdown.render_refusal(Refusal("invalid profile", tuple(f"problem {n}" for n in range(80))))
    assert "- problem 49\n" in text and "problem 50" not in text
    assert text.endswith("- … and 30 more, printed by the run\n")


def test_gitlab_load_performance_has_the_four_values_the_widget_reads():
    metrics = gitlab.load_performance(sample())["metrics"]
    assert metrics["http_reqs"]["rate"] == 15.68
    assert (metrics["http_req_waiting"]["p(90)"], metrics["http_req_waiting"]["p(95)"]) == (96.0, 120.0)
    assert (metrics["checks"]["passes"], metrics["checks"]["fails"]) == (2, 3)


def test_gitlab_metrics_survive_gitlabs_parser():
    """GitLab strips from # to the end of a line, then shell-splits: name, value."""
    result = sample()
    result.endpoints["GET /search?q=#x'y"] = endpoint(10, 5.0)
    parsed = {}
    for line in gitlab.metrics_text(result).splitlines():
        tokens = shlex.split(line.split("#", 1)[0])
        if tokens:
            assert len(tokens) == 2, line
            parsed[tokens[0]] = tokens[1]
    assert parsed["perfgate_exit_code"] == "3" and parsed["perfgate_regressed_checks"] == "1"
    assert parsed["perfgate_p95_ms{endpoint=GET /api/v1/projects}"] == "120"
    assert "perfgate_p95_ms{endpoint=GET /search?q=_x_y}" in parsed


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)
        assert not any(name == "href" and value.startswith("http") for name, value in attrs)


def test_html_is_self_contained_and_draws_the_charts_without_script():
    page = html.render_html(sample())
    parser = _Page()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    failing = html.failing_charts(sample())
    assert parser.tags.count("svg") == 6 + len(failing) and parser.tags.count("polyline") >= 8
    assert "perfgate: FAIL (1 of 5 checks failed)" in page
    assert page.count(f'fill="{WARMUP_FILL}"') >= 3  # warm-up shaded on the charts over time


def test_html_shows_what_failed_and_since_when_above_the_checks_with_the_limit_drawn():
    result = sample()
    failing = html.failing_charts(result)
    # the regression on GET /api/v1/projects has a time line (the failing e0 has none: not drawn)
    assert [chart.title for chart, _ in failing] == ["GET /api/v1/projects: p95 vs baseline (+20%)"]
    chart, since = failing[0]
    regression = next(c for c in result.checks if c.status == "regression")
    assert chart.limits == [("+20% (regression)", pytest.approx(regression.baseline * 1.2))]
    assert since.startswith("REGRESSION: ")
    page = html.render_html(result)
    assert page.index("What failed, and since when") < page.index("<h2>Checks</h2>")
    assert 'stroke-dasharray="6 4"' in page and "+20% (regression)" in page
    assert "run time 60 s" in html.load_text({"users": 50, "run_time_s": 60, "user_classes": {"A": 3}})
    assert "A 3" in html.load_text({"user_classes": {"A": 3}})


def test_the_time_axis_ends_with_the_run_and_a_short_warm_up_stays_visible():
    chart = Chart("t", "seconds", "ms", [Series("p95", [(0.5, 1.0), (610.0, 2.0)])], [(0.0, 1.0)], "warm-up")
    drawn = render(chart)
    labels = [float(x) for x in re.findall(r'text-anchor="middle" fill="#444444">([\d.]+)<', drawn)]
    assert labels and max(labels) <= 610  # not a 0-800 s axis for a 610 s run
    band = re.search(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="\d+" fill="' + WARMUP_FILL, drawn)
    assert band and float(band.group(1)) >= 4


def test_every_report_is_written(tmp_path):
    written = output_step.deliver(sample(), output_step.Destinations(tmp_path, publish=False)).written
    names = {path.name for path in written}
    assert names == {"result.json", "junit.xml", "summary.md", "gl-load-performance.json", "metrics.txt", "report.html"}
    assert names == set(output_step.REPORT_FILES)  # what a clash with Locust's own reports is checked against
    assert json.loads((tmp_path / "result.json").read_text())["verdict"] == "fail"


@pytest.mark.parametrize(
    ("high", "ticks"), [(7.0, [0, 2, 4, 6, 8]), (430.0, [0, 100, 200, 300, 400, 500]), (0.0, [0.0, 1.0])]
)
def test_nice_ticks_cover_the_data_in_round_steps(high, ticks):
    assert nice_ticks(high) == ticks


def test_log_ticks_and_the_legend_stay_inside_the_chart():
    assert log_ticks(0.5, 461) == [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]
    labels = [f"GET /api/v1/reports/endpoint-{i}" for i in range(8)]
    positions = legend_positions(labels)
    assert len({y for _, y in positions}) >= 2
    assert all(
        x + 24 + CHAR_WIDTH * len(label) <= WIDTH - RIGHT for (x, _), label in zip(positions, labels, strict=True)
    )


def test_the_kubernetes_termination_message_is_one_line_with_the_verdict_and_the_exit_code(tmp_path):
    failing = sample(failures=3)
    line = termination.message(failing)
    first = next(c for c in failing.checks if c.status == Status.FAIL)
    assert line == f"FAIL: {first.endpoint} {first.message} (and 2 more); exit 3"
    passing = replace(
        failing, verdict=Verdict.PASS, exit_code=0, checks=[c for c in failing.checks if c.status == Status.PASS]
    )
    assert termination.message(passing) == f"PASS: {len(passing.checks)} checks passed; exit 0"
    hostile = replace(first, endpoint="GET /x\n::error::injected", message="p95 9ms\r\nbreaks")
    assert "\n" not in termination.message(replace(failing, checks=[hostile]))
    long = termination.message(replace(failing, checks=[replace(first, message="x" * 10_000)]))
    assert len(long.encode()) < 4096 and long.endswith("; exit 3")
    written = tmp_path / "termination-log"
    environ = {termination.PATH_VARIABLE: str(written)}
    output_step.deliver(failing, output_step.Destinations(tmp_path / "r", [], environ=environ))
    assert written.read_text() == line + "\n"


def test_the_console_names_the_warm_up_only_when_it_excluded_something():
    warm = {"measured_s": 58.0, "measured_requests": 900, "warmup": "2s", "excluded_s": 2.0, "excluded_requests": 41}
    shown = console.render(replace(sample(), measurement=warm, comparison=None))
    assert "measured 58.0s (900 requests); warm-up (2s) excluded the first 2.0s (41 requests)" in shown
    cold = warm | {"warmup": "0s", "excluded_s": 0.0, "excluded_requests": 0}
    shown = console.render(replace(sample(), measurement=cold, comparison=None))
    assert "measured 58.0s (900 requests)\n" in shown and "warm-up" not in shown


def test_one_passing_check_is_counted_as_one_check():
    one = replace(sample(), verdict=Verdict.PASS, exit_code=0, checks=sample().checks[:1])
    assert console.status_line(one) == "perfgate: PASS (1 check passed)"
    assert termination.message(one) == "PASS: 1 check passed; exit 0"
    assert "<summary>1 check passed</summary>" in html.render_html(one)
    two = replace(one, checks=sample().checks[:1] * 2)
    assert console.status_line(two) == "perfgate: PASS (2 checks passed)"
