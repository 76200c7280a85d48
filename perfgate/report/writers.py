"""Every report file of a run, by format name: what the plugin writes at the end of a run and what
`perfgate report` renders from a stored result.json."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from perfgate.core.model import Result
from perfgate.report import gitlab, html, junit, markdown, result_json

FORMATS: dict[str, Callable[[Result, Path], Path | list[Path]]] = {
    "json": result_json.write,
    "junit": junit.write,
    "markdown": markdown.write,
    "gitlab": gitlab.write,
    "html": html.write,
}


def write(result: Result, report_dir: Path, formats: list[str] | None = None) -> list[Path]:
    """result.json first: if a later report fails, the verdict file is already there."""
    written: list[Path] = []
    for name in formats or list(FORMATS):
        paths = FORMATS[name](result, report_dir)
        written += paths if isinstance(paths, list) else [paths]
    return written
