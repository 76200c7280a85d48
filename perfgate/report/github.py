"""GitHub Actions: the Markdown summary appended to $GITHUB_STEP_SUMMARY, `::error` annotations on
the profile lines of failed checks, and `verdict`/`exit-code` in $GITHUB_OUTPUT; for a run perfgate
refused, an annotation per problem and `verdict=refused`.

GitHub shows at most 10 error annotations per step and drops the rest silently, so perfgate prints
10 and then one notice with the count of the others (docs/ci/github.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from perfgate.core.inert import inert
from perfgate.core.model import CONFIG_ERROR_EXIT_CODE, REFUSED, UNRESOLVED, Refusal, Result, Status
from perfgate.report import markdown
from perfgate.report.junit import source_location
from perfgate.report.text import check_title, shown_name

MAX_ANNOTATIONS = 10
STEP_SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub accepts per step
# a profile problem begins with where it is: "thresholds/ci.yaml:12 rules[0].metric: ..."
_LOCATED = re.compile(r"(?P<path>[^\s:][^:]*):(?P<line>\d+)[\s:]")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result: Result) -> list[str]:
    failed = [c for c in result.checks if c.status in (Status.FAIL, Status.REGRESSION)]
    errors = [
        _error(f"perfgate {shown_name(check.endpoint)} {check_title(check)}", check.source, check.message)
        for check in failed[:MAX_ANNOTATIONS]
    ]
    return _capped(errors, len(failed), "failed checks, see the job summary and junit.xml")


def _error(title: str, source: str | None, message: str) -> str:
    """One `::error` annotation, on the file and line of `source` ("path:line") when it names them."""
    properties = [f"title={_escape_property(title)}"]
    location = source_location(source) if source else None
    if location:
        properties[:0] = [f"file={_escape_property(location[0])}", f"line={location[1]}"]
    return f"::error {','.join(properties)}::{_escape_data(inert(message))}"


def _capped(errors: list[str], count: int, rest: str) -> list[str]:
    """The first MAX_ANNOTATIONS of `count` errors, then a notice with the count of the others."""
    more = count - MAX_ANNOTATIONS
    return errors[:MAX_ANNOTATIONS] + ([f"::notice title=perfgate::{more} more {rest}"] if more > 0 else [])


def outputs(result: Result, report_dir: Path) -> dict[str, str]:
    counted = {status: sum(c.status == status for c in result.checks) for status in Status}
    unresolved = sum(c.status in UNRESOLVED for c in result.checks)
    return {
        "verdict": result.verdict,
        "exit-code": str(result.exit_code),
        "failed": str(counted[Status.FAIL]),
        "regressed": str(counted[Status.REGRESSION]),
        "inconclusive": str(unresolved),
        "report-dir": str(report_dir),
        "result-json": str(report_dir / "result.json"),
    }


def applies(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def publish(result: Result, report_dir: Path, environ: Mapping[str, str], out: TextIO) -> None:
    """What a GitHub job expects: annotations, the step summary, the step's outputs."""

    def step_summary() -> str:
        text = markdown.render(result)
        if len(text.encode()) > STEP_SUMMARY_LIMIT:
            return markdown.headline(result) + f"\n\nThe full summary is too large for GitHub: see {report_dir}.\n"
        return text

    _to_the_job(environ, out, annotations(result), step_summary, outputs(result, report_dir))


def _to_the_job(
    environ: Mapping[str, str], out: TextIO, lines: list[str], step_summary: Callable[[], str], values: dict[str, str]
) -> None:
    """Workflow commands printed, the step summary appended (rendered only when the job has one),
    the step's outputs written."""
    for line in lines:
        print(line, file=out)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(step_summary() + "\n")
    output = environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.writelines(f"{key}={value}\n" for key, value in values.items())


def refusal_annotations(refusal: Refusal) -> list[str]:
    """An error annotation per problem, on the profile's line when the problem names one."""
    title = f"perfgate {REFUSED}: {refusal.what}"
    errors = []
    for problem in refusal.problems[:MAX_ANNOTATIONS]:
        located = _LOCATED.match(problem)
        errors.append(_error(title, f"{located['path']}:{located['line']}" if located else None, problem))
    return _capped(errors, len(refusal.problems), "problems, see the job summary and the job's log")


def publish_refusal(refusal: Refusal, report_dir: Path, environ: Mapping[str, str], out: TextIO) -> None:
    """The annotations, step summary and outputs of a run that was refused: what a job that
    reads `verdict` or posts the summary needs to tell it from a run that was judged."""
    values = {"verdict": REFUSED, "exit-code": str(CONFIG_ERROR_EXIT_CODE), "report-dir": str(report_dir)}
    _to_the_job(environ, out, refusal_annotations(refusal), lambda: markdown.render_refusal(refusal), values)
