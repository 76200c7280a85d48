"""Result and baseline files: read, checked against the packaged JSON Schema with located messages,
and a stored result re-judged against a baseline (what `perfgate compare` and `report` read)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from perfgate.core.baseline import BASELINE_SCHEMA, Baseline, BaselineError, run_data
from perfgate.core.encoding import not_utf8
from perfgate.core.keypath import show_path
from perfgate.core.model import RESULT_SCHEMA, Result


def read_json(path: str | Path, what: str) -> dict[str, Any]:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: {what} file not found") from None
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: {not_utf8(exc)}") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the {what} file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); is it a perfgate result.json?") from None
    except RecursionError:
        raise BaselineError(f"{path}: nested too deeply to be a perfgate result.json") from None
    if not isinstance(data, dict) or data.get("schema") not in (RESULT_SCHEMA, BASELINE_SCHEMA):
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise BaselineError(
            f"{path}: schema: expected {RESULT_SCHEMA!r} (a result.json) or {BASELINE_SCHEMA!r} "
            f"(from `perfgate baseline merge`), found {found!r}"
        )
    problems = document_problems(data)
    if problems:
        raise BaselineError("; ".join(f"{path}: {problem}" for problem in problems))
    return data


JSON_TYPES = {"array": "list", "object": "mapping", "string": "text", "integer": "whole number", "null": "null"}


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("perfgate.store").joinpath("result.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def document_problems(data: dict[str, Any], most: int = 5) -> list[str]:
    """What makes a result or baseline document unreadable, as `key.path: expected ..., found ...`
    (the first `most`, by key path); the histograms' buckets are checked by _check_endpoints."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = []
    for error in errors[:most]:
        where = show_path(tuple(error.absolute_path))
        if error.validator == "required":
            problems.append(f"{where}: missing key {error.message.split(chr(39))[1]!r}")
            continue
        expected = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
        if expected is None and error.validator == "type":
            kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            expected = " or ".join(f"a {JSON_TYPES.get(kind, kind)}" for kind in kinds)
        problems.append(f"{where}: expected {expected or error.message}, found {json.dumps(error.instance)[:80]}")
    return problems


def read_baseline(path: str | Path) -> Baseline:
    data = read_json(path, "baseline")
    if data["schema"] == RESULT_SCHEMA:
        return Baseline(str(path), [run_data(data, str(path))])
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs or not all(isinstance(r, dict) for r in runs):
        raise BaselineError(f"{path}: runs: expected a list of the merged runs, found {runs!r}")
    return Baseline(str(path), [run_data(run, str(path), f"runs[{i}].") for i, run in enumerate(runs)])


RUN_KEYS = ("verdict", "exit_code", "started_at", "duration_s", "host", "profile", "versions", "endpoints")


def read_result(path: str | Path) -> Result:
    """The result.json of a run (not a merged baseline), checked; raises BaselineError."""
    data = read_json(path, "result")
    if data["schema"] != RESULT_SCHEMA:
        raise BaselineError(f"{path}: expected the result.json of a run, found a merged baseline")
    missing = [key for key in RUN_KEYS if key not in data]
    if missing:
        raise BaselineError(f"{path}: missing {', '.join(map(repr, missing))}: is it the result.json of a run?")
    return Result.from_dict(data)
