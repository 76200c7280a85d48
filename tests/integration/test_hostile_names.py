"""Endpoint names that try to break the programs that read perfgate's output: every report of a real
run stays well-formed and inert. Each report is compared with the same result rendered with plain
names: the structure (HTML elements, Markdown table rows and columns, console rows, JUnit cases)
must be the same, so no name added an element, an attribute, a row, a column or a command."""

from __future__ import annotations

import json
import re
import shlex
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import junitparser
import pytest
import xmlschema
from markdown_it import MarkdownIt

from tests.processes import REPO, run_bounded, run_locust

pytestmark = pytest.mark.light  # a few users, nothing timed: runs beside the serial tests

LOCUSTFILE = Path(__file__).parent / "locustfiles" / "hostile_names.py"
XSD = REPO / "tests" / "data" / "junit.xsd"
PROFILE = """version: 1
default: {p95: "< 1ms"}
endpoints:
  "GET /nothing-here": {p95: "< 1s"}
  # no data: the messages name the closest endpoints, hostile ones among them
  "GET a|b|d": {p95: "< 1s"}
  "GET <img src=x onerror=alert(2)>": {p95: "< 1s"}
  "GET [link](http://evil.example) **bold** _it": {p95: "< 1s"}
"""
OWN_ANNOTATION = re.compile(r"^::(error|notice) (file=[^,:]*,line=\d+,)?title=[^:]*::")
OUTPUT_KEYS = {"verdict", "exit-code", "failed", "regressed", "inconclusive", "report-dir", "result-json"}


class Structure(HTMLParser):
    """Every start tag with its attribute names, in order, but for the drawing inside a chart (its
    legend wraps by the names' lengths): what a name could add to a page. Every attribute name of
    every element, the chart's too, in `attributes`."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.attributes: set[str] = set()
        self.in_chart = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes |= {name for name, _ in attrs}
        if not self.in_chart:
            self.tags.append((tag, tuple(name for name, _ in attrs)))
        self.in_chart = self.in_chart or tag == "svg"

    def handle_endtag(self, tag: str) -> None:
        self.in_chart = self.in_chart and tag != "svg"


def html_structure(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    parser = Structure()
    parser.feed(path.read_text())
    assert not {a for a in parser.attributes if a.startswith("on") or a in ("src", "href")}, parser.attributes
    return parser.tags


def markdown_structure(path: Path) -> list[tuple[str, str]]:
    """Block and inline token kinds of summary.md as GitHub's Markdown (CommonMark and tables)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(path.read_text())
    kinds = []
    for token in tokens:
        kinds.append((token.type, token.tag))
        kinds += [(child.type, child.tag) for child in token.children or [] if child.type != "text"]
    return kinds


def plain(value: Any, names: dict[str, str]) -> Any:
    """`value` with every hostile name replaced by a plain one, keys and texts alike."""
    if isinstance(value, dict):
        return {plain(k, names): plain(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, names) for v in value]
    if isinstance(value, str):
        for hostile, replacement in names.items():
            value = value.replace(hostile, replacement)
    return value


def test_hostile_endpoint_names_leave_every_report_well_formed_and_inert(demo_api, tmp_path, chromium):
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    reports, outputs = tmp_path / "reports", tmp_path / "github_output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}
    ascii_only = {"PYTHONIOENCODING": "ascii"}  # a terminal that cannot show every name (a C or Latin-1 locale)
    env |= ascii_only
    options = ["-u", "2", "-r", "2", "-t", "8s", "-H", demo_api.url, "--thresholds", str(profile)]
    finished = run_locust(LOCUSTFILE, *options, "--report-dir", str(reports), cwd=tmp_path, env=env)
    result = json.loads((reports / "result.json").read_text())
    assert finished.returncode in (3, 5), finished.output[-3000:]
    hostile = sorted((key for key in result["endpoints"] if key != "GET /healthz"), key=len, reverse=True)
    assert len(hostile) == 13, sorted(result["endpoints"])

    # at the source: one printable line each, the long name whole in result.json
    assert all(key.isprintable() for key in result["endpoints"])
    assert "GET x\\r\\n::error::injected" in result["endpoints"] and "GET nul\\x00byte" in result["endpoints"]
    assert f"GET /long/{'L' * 10_000}" in result["endpoints"]

    # the job log: Locust's tables and perfgate's; only perfgate's own annotations are commands
    log = finished.stdout + finished.stderr
    assert "\r" not in log and "\x00" not in log
    commands = [line for line in log.splitlines() if line.startswith("::")]
    assert commands and all(OWN_ANNOTATION.match(line) for line in commands), commands
    assert not any(line.lstrip().startswith("::error::") for line in log.splitlines())
    verdict_table = finished.stdout.split("STATUS ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert len(verdict_table) == sum(c["kind"] != "regression" for c in result["checks"])
    assert "L" * 200 not in finished.stdout  # cut for reading
    # the cut's "…" escaped, as Python writes to stderr: an error there lost the verdict table
    assert re.search(r"GET /long/L+\\u2026", finished.stdout) and "Traceback" not in log
    again = run_bounded(
        [sys.executable, "-m", "perfgate", "compare", *[str(reports / "result.json")] * 2], 60, REPO, ascii_only
    )
    assert again.returncode == result["exit_code"] and "\\u2026" in again.stdout, again.output[-3000:]
    written = outputs.read_text().splitlines()
    assert {line.split("=", 1)[0] for line in written} == OUTPUT_KEYS and len(written) == len(OUTPUT_KEYS)

    # the same result with plain names, rendered by perfgate report: the structure to compare with
    names = {name: f"GET /endpoint{i}" for i, name in enumerate(hostile)}
    control = tmp_path / "control"
    control.mkdir()
    (control / "result.json").write_text(json.dumps(plain(result, names)))
    command = [sys.executable, "-m", "perfgate", "report", str(control / "result.json")]
    rendered = run_bounded([*command, "--format", "html", "--format", "junit", "--format", "markdown"], 60, REPO)
    assert rendered.returncode == 0, rendered.output

    assert html_structure(reports / "report.html") == html_structure(control / "report.html")
    assert markdown_structure(reports / "summary.md") == markdown_structure(control / "summary.md")
    assert "a|b|c" in next(c["message"] for c in result["checks"] if c["endpoint"] == "GET a|b|d")
    assert "L" * 200 not in (reports / "summary.md").read_text()
    for page_path in (reports / "report.html", control / "report.html"):
        page = chromium.new_page()
        page.goto(page_path.as_uri())
        tags = page.evaluate(
            "[...document.querySelectorAll('*')].filter(e => !e.parentElement || !e.parentElement.closest('svg'))"
            ".map(e => e.tagName + ':' + e.getAttributeNames())"
        )
        page.close()
        if page_path.parent == reports:
            hostile_tags = tags
    assert hostile_tags == tags and not any(t.split(":")[0] in ("SCRIPT", "IMG", "A", "IFRAME") for t in tags)

    xmlschema.XMLSchema(XSD).validate(str(reports / "junit.xml"))
    suite = next(iter(junitparser.JUnitXml.fromfile(str(reports / "junit.xml"))))
    assert suite.tests == len(result["checks"])
    json.loads((reports / "gl-load-performance.json").read_text())
    for line in (reports / "metrics.txt").read_text().splitlines():  # GitLab: strip from #, shell-split
        tokens = shlex.split(line.split("#", 1)[0])
        assert not tokens or len(tokens) == 2, line
