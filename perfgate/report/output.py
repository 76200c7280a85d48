"""The one output step of a verdict, used by the end of a live run and by `perfgate compare` and
`perfgate report`: every report written on its own (one failing costs none of the others, and the
exit code stands), the CI publishers of the system it runs on, and the baseline and history kept;
and its counterpart for a run perfgate refused (exit 2), `deliver_refusal`.

Publishers are a registry: each says whether it applies here (from the environment) and does what
that system expects of a job, for a verdict and for a refusal: GitHub Actions' annotations, step
summary and outputs; Kubernetes' termination message. GitLab merge-request notes, Buildkite
annotations or a pull-request comment go beside them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from perfgate.core.baseline import promotion_refusal
from perfgate.core.model import Refusal, Result
from perfgate.report import github, gitlab, html, junit, markdown, result_json, termination
from perfgate.store.files import write_atomic
from perfgate.store.history import HistoryError, provenance, record

logger = logging.getLogger("perfgate")
# every report by format name; result.json first: if a later report fails, the verdict file is there
FORMATS: dict[str, Callable[[Result, Path], Path | list[Path]]] = {
    "json": result_json.write,
    "junit": junit.write,
    "markdown": markdown.write,
    "gitlab": gitlab.write,
    "html": html.write,
}

# the files those reports are written to in a report directory
REPORT_FILES = (
    result_json.FILE_NAME,
    junit.FILE_NAME,
    markdown.FILE_NAME,
    gitlab.LOAD_PERFORMANCE_FILE,
    gitlab.METRICS_FILE,
    html.FILE_NAME,
)


@dataclass(frozen=True)
class Publisher:
    name: str
    applies: Callable[[Mapping[str, str]], bool]
    publish: Callable[[Result, Path, Mapping[str, str], TextIO], None]
    publish_refusal: Callable[[Refusal, Path, Mapping[str, str], TextIO], None]


PUBLISHERS = (
    Publisher("GitHub Actions", github.applies, github.publish, github.publish_refusal),
    Publisher(
        "the Kubernetes termination message", termination.applies, termination.publish, termination.publish_refusal
    ),
)


@dataclass
class Destinations:
    """Where one verdict goes."""

    report_dir: Path
    formats: list[str] = field(default_factory=lambda: list(FORMATS))
    publish: bool = True  # to the CI system this runs on, when one applies
    save_baseline: Path | None = None  # this result, if it passed
    history: str | None = None  # a history database to record the run in
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    out: TextIO = field(default_factory=lambda: sys.stdout)


@dataclass
class Delivery:
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the formats that could not be written


def deliver(result: Result, to: Destinations) -> Delivery:
    """Writes, publishes and keeps `result`; every failure is logged and costs nothing else."""
    delivery = Delivery()
    written = delivery.written
    for name in to.formats:
        try:
            paths = FORMATS[name](result, to.report_dir)
        except OSError as problem:
            logger.error(
                "perfgate: cannot write %s reports to %s: %s (the exit code stands)", name, to.report_dir, problem
            )
            delivery.failed.append(name)
            continue
        except Exception:  # a report's own bug must not cost the verdict
            logger.exception("perfgate: the %s report failed (the exit code stands)", name)
            delivery.failed.append(name)
            continue
        written += paths if isinstance(paths, list) else [paths]
    if written:
        logger.info("perfgate: wrote %s", ", ".join(map(str, written)))
    _publish(to, lambda publisher: publisher.publish(result, to.report_dir, to.environ, to.out))
    if to.save_baseline is not None:
        save_baseline(result, to.save_baseline)
    if to.history is not None:
        record_history(result, to.history, to.environ, to.report_dir / "result.json")
    return delivery


def deliver_refusal(refusal: Refusal, to: Destinations, inputs: Collection[str] = ()) -> Delivery:
    """A refused run said where its verdict would have gone: an earlier run's reports in the report
    directory removed, since a step after the run (a pull-request comment, a JUnit publisher,
    `perfgate history --record`) would take them for this run's, except the files among `inputs`
    (a --baseline kept as the report directory's result.json is the user's, not a verdict of
    this run); summary.md saying why nothing was run, so that a comment updated from it stops
    showing the earlier verdict; the CI publishers told. Every failure is logged and costs nothing
    else: the exit code stands."""
    delivery = Delivery()
    given = {Path(path).resolve() for path in inputs}
    reports = (to.report_dir / name for name in REPORT_FILES)
    earlier = [path for path in reports if path.is_file() and path.resolve() not in given]
    for path in earlier:
        try:
            path.unlink()
        except OSError as problem:
            logger.error("perfgate: cannot remove %s, a report of an earlier run: %s", path, problem)
    if earlier:
        names = ", ".join(path.name for path in earlier)
        logger.warning("perfgate: removed the reports of an earlier run from %s: %s", to.report_dir, names)
    try:
        delivery.written.append(markdown.write_refusal(refusal, to.report_dir))
    except OSError as problem:
        logger.error("perfgate: cannot write %s to %s: %s", markdown.FILE_NAME, to.report_dir, problem)
        delivery.failed.append("markdown")
    _publish(to, lambda publisher: publisher.publish_refusal(refusal, to.report_dir, to.environ, to.out))
    return delivery


def _publish(to: Destinations, send: Callable[[Publisher], None]) -> None:
    """`send` to each CI system this runs on (none when `to.publish` is off)."""
    for publisher in PUBLISHERS if to.publish else ():
        if publisher.applies(to.environ):
            try:
                send(publisher)
            except OSError as problem:
                logger.error("perfgate: cannot publish to %s: %s", publisher.name, problem)


def save_baseline(result: Result, path: Path) -> None:
    refusal = promotion_refusal(result.to_dict())
    if refusal:
        logger.warning("perfgate: not saved as baseline %s: %s", path, refusal)
        return
    try:
        write_atomic(path, result_json.render(result))
        logger.info("perfgate: saved this run as baseline %s", path)
    except OSError as problem:
        logger.error("perfgate: cannot save the baseline %s: %s", path, problem)


def record_history(result: Result, path: str, environ: Mapping[str, str], written: Path) -> None:
    branch, commit = provenance(environ)
    try:
        run_id = record(path, result.to_dict(), branch, commit)
        logger.info("perfgate: recorded as run #%d of %s (branch %s)", run_id, path, branch)
    except (HistoryError, OSError) as problem:
        logger.error(
            "perfgate: cannot record the run in the history: %s (the exit code stands; once that is fixed, "
            "record it with: perfgate history --history %s --record %s)",
            problem,
            path,
            written,
        )
