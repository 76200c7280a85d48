"""junit.xml: one testsuite per profile, one testcase per check, shaped for the parsers that CI
systems really run (docs/design/ci.md):

- classname "perfgate.<profile>.<endpoint>" with the endpoint's dots replaced, since Jenkins splits
  a classname at its last dot into package and class;
- the explanation both in the `message` attribute (Jenkins, GitHub report actions) and in the
  element body (GitLab shows only the body);
- inconclusive and no-data checks are <error>, never <skipped>: every reader counts skipped as green
  while the job exits 5. <skipped> only when the gate let them pass (on_inconclusive: pass);
- `file`/`line` point at the threshold in the YAML, so annotations land on that line;
- cases have time 0 (the suite has the duration: per-case times would be summed into nonsense).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from perfgate.core.inert import inert
from perfgate.core.model import UNRESOLVED, CheckKind, CheckResult, Result, Status, profile_name
from perfgate.report.text import check_title, shown_name
from perfgate.store.files import write_atomic

FILE_NAME = "junit.xml"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Server error text can carry control characters that no XML parser accepts."""
    return _ILLEGAL_XML.sub("?", text)


def source_location(source: str) -> tuple[str, str] | None:
    """("thresholds/ci.yaml", "14") from "thresholds/ci.yaml:14", the path relative to the working
    directory when it is inside it (annotations need repository-relative paths)."""
    path, _, line = source.rpartition(":")
    if not path or not line.isdigit():
        return None
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        path = path if relative.startswith("..") else relative
    return path, line


def _classname(suite: str, check: CheckResult) -> str:
    return f"{suite}.{shown_name(check.endpoint).replace('.', '_')}"


def _outcome(check: CheckResult, unresolved_passed: bool) -> tuple[str, str] | None:
    """(element, type) for a check that did not simply pass."""
    if check.status in (Status.FAIL, Status.REGRESSION):
        return "failure", "threshold" if check.status == Status.FAIL else "regression"
    if check.status in UNRESOLVED:
        return ("skipped" if unresolved_passed else "error"), check.status
    return None


def _body(check: CheckResult) -> str:
    lines = [inert(check.message)]
    if check.baseline is not None and check.kind == CheckKind.REGRESSION:
        lines.append(f"baseline {check.baseline:g}, current {check.actual if check.actual is not None else '-'}")
    if check.noise:
        lines.append(f"noise: {check.noise}")
    if check.source:
        lines.append(f"rule {check.rule} at {check.source}")
    return _clean("\n".join(lines))


def _properties(result: Result) -> dict[str, str]:
    properties = {"verdict": result.verdict, "exit_code": str(result.exit_code), "host": result.host}
    properties.update({key: str(value) for key, value in result.load.items()})
    properties["duration_s"] = f"{result.duration_s:.3f}"
    properties.update({f"{name}.version": version for name, version in result.versions.items()})
    if result.comparison:
        properties["baseline"] = f"{result.comparison['baseline']} ({result.comparison['baseline_runs']} runs)"
    return properties


def render(result: Result) -> str:
    suite_name = f"perfgate.{profile_name(result.profile)}"
    unresolved_passed = result.exit_code == 0
    counts = {"tests": len(result.checks), "failures": 0, "errors": 0, "skipped": 0}
    cases: list[ET.Element] = []
    seen: dict[tuple[str, str], int] = {}
    for check in result.checks:
        classname, name = _classname(suite_name, check), check_title(check)
        seen[(classname, name)] = seen.get((classname, name), 0) + 1
        if seen[(classname, name)] > 1:  # GitLab keeps only the first of a repeated classname+name
            name = f"{name} ({seen[(classname, name)]})"
        case = ET.Element("testcase", {"classname": classname, "name": name, "time": "0"})
        location = source_location(check.source)
        if location:
            case.set("file", location[0])
            case.set("line", location[1])
        outcome = _outcome(check, unresolved_passed)
        if outcome is None:
            ET.SubElement(case, "system-out").text = _clean(inert(check.message))
        else:
            element, kind = outcome
            counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[element]] += 1
            child = ET.SubElement(case, element, {"type": kind, "message": _clean(inert(check.message))})
            child.text = _body(check)
        cases.append(case)
    totals = {key: str(value) for key, value in counts.items()}
    common = {**totals, "time": f"{result.duration_s:.3f}", "timestamp": result.started_at}
    root = ET.Element("testsuites", {"name": "perfgate", **common})
    suite = ET.SubElement(root, "testsuite", {"name": suite_name, **common, "file": result.profile})
    properties = ET.SubElement(suite, "properties")
    for key, value in _properties(result).items():
        ET.SubElement(properties, "property", {"name": key, "value": _clean(value)})
    suite.extend(cases)
    if result.warnings:
        ET.SubElement(suite, "system-out").text = _clean("\n".join(result.warnings))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(result: Result, report_dir: Path) -> Path:
    path = report_dir / FILE_NAME
    write_atomic(path, render(result))
    return path
