"""result.json: the run's verdict, checks and endpoint statistics (also the baseline format)."""

from __future__ import annotations

import json
from pathlib import Path

from perfgate.core.model import Result
from perfgate.store.files import write_atomic

FILE_NAME = "result.json"


def render(result: Result) -> str:
    """Compact: a run with 200 endpoints holds ~10^5 histogram entries, one line each when indented
    (measured in benchmarks/scale.py); `jq .` or a browser shows it indented."""
    return json.dumps(result.to_dict(), separators=(",", ":"), allow_nan=False) + "\n"


def write(result: Result, report_dir: Path) -> Path:
    path = report_dir / FILE_NAME
    write_atomic(path, render(result))
    return path
