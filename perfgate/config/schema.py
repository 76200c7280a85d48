"""The profile's JSON Schema: the packaged file, whose metric parts are written from the metric
table (core.metrics) and the limit, tolerance and duration syntax (core.limits, core.tolerances,
core.units).

`python -m perfgate.config.schema` rewrites those parts of perfgate/config/profile.schema.json from
the table; a unit test fails when the file and the table disagree, so a new metric cannot reach
the parser without reaching the schema that editors and `perfgate validate` read.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

from perfgate.core.limits import K6_EXPECTED, K6_PATTERN, LIMIT_FORMS
from perfgate.core.metrics import ALIASES, NAMED, PERCENTILE, Kind, Metric, metric
from perfgate.core.tolerances import TOLERANCE_FORMS
from perfgate.core.units import DURATION_EXPECTED, DURATION_PATTERN

FILE = "profile.schema.json"
OPTIONS = ("for", "window", "abort")
# the pattern of a percentile that a tolerance may be set on (p100 is the maximum: none)
TOLERATED_PERCENTILE = r"^p\d{1,2}(\.\d+)?$"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(resources.files("perfgate.config").joinpath(FILE).read_text(encoding="utf-8"))


def _limit(kind: Kind) -> dict[str, Any]:
    """One metric's entry in a rules block: a limit, or a mapping of the limit and its options."""
    reference = {"$ref": f"#/$defs/{kind.value}"}
    options = {"limit": reference, "for": {"$ref": "#/$defs/duration"}}
    options |= {"window": {"$ref": "#/$defs/duration"}, "abort": {"$ref": "#/$defs/abort"}}
    detailed = {
        "type": "object",
        "required": ["limit"],
        "additionalProperties": False,
        "x-expected": "a limit, or a mapping with limit, for, window and abort",
        "properties": options,
    }
    return {"anyOf": [reference, detailed]}


def _tolerance(kind: Kind) -> dict[str, Any]:
    pattern, expected = TOLERANCE_FORMS[kind]
    return {"type": "string", "pattern": pattern, "x-expected": expected}


def with_metrics(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every part that names a metric or a limit's syntax written from the table."""
    written = copy.deepcopy(document)
    definitions = written["$defs"]
    for kind, (pattern, expected) in LIMIT_FORMS.items():
        definitions[kind.value] = {"type": "string", "pattern": pattern, "x-expected": expected}
    definitions["k6"] = {"type": "string", "pattern": K6_PATTERN, "x-expected": K6_EXPECTED}
    definitions["duration"] |= {"pattern": DURATION_PATTERN, "x-expected": DURATION_EXPECTED}
    spellings = [m.name for m in NAMED] + list(ALIASES)
    rules = definitions["rules"]
    options = {key: rules["properties"][key] for key in OPTIONS}
    rules["properties"] = {name: _limit(_row(name).kind) for name in spellings} | options
    rules["patternProperties"] = {PERCENTILE.pattern: _limit(Kind.LATENCY)}
    names_pattern = PERCENTILE.pattern.removesuffix("$") + "|" + "|".join(spellings)
    written["properties"]["abort_on"]["items"]["pattern"] = f"^({names_pattern.removeprefix('^')})$"
    definitions["latencyTolerance"] = _tolerance(Kind.LATENCY)
    regression = definitions["regressionRules"]
    tolerated = [m for m in NAMED if m.tolerance]
    aliased = [alias for alias in ALIASES if _row(alias).tolerance]
    regression["patternProperties"] = {TOLERATED_PERCENTILE: {"$ref": "#/$defs/latencyTolerance"}}
    regression["properties"] = (
        {m.name: _tolerance(m.kind) for m in tolerated}
        | {alias: {"$ref": "#/$defs/latencyTolerance"} for alias in aliased}
        | {"min_delta": regression["properties"]["min_delta"]}
    )
    regression["x-keys"] = f"p50 ... p99.9, {', '.join(m.name for m in tolerated)}, {', '.join(aliased)}, or min_delta"
    drift = copy.deepcopy(regression)
    del drift["properties"]["min_delta"]
    drift["x-keys"] = f"p50 ... p99.9, {', '.join(m.name for m in tolerated)}, {', '.join(aliased)}"
    drift["x-expected"] = 'true, false, or a mapping of metric to tolerance (p95: "+20%", error_rate: "+0.5pp")'
    definitions["driftRules"] = drift
    return written


def _row(name: str) -> Metric:
    found = metric(name)
    assert found is not None, name
    return found


def write(path: Path) -> None:
    written = with_metrics(json.loads(path.read_text(encoding="utf-8")))
    path.write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).with_name(FILE))
