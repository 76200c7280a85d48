"""Threshold profiles: YAML with `extends:` and `${VAR:-default}` (read by located_yaml.py), validated
against the packaged JSON Schema and made into the core's Profile, with every error located as
`file:line key.path: expected ..., found ...`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema

from perfgate.config.located_yaml import ProfileError, load_merged, locate
from perfgate.config.schema import schema
from perfgate.core import metrics
from perfgate.core.keypath import KeyPath, show_path
from perfgate.core.limits import expected_form, parse_k6, parse_limit
from perfgate.core.profile import (
    DEFAULT_DRIFT,
    Abort,
    CapacitySettings,
    LoadDefaults,
    Location,
    Profile,
    RegressionRule,
    RegressionSettings,
    Rule,
    Settings,
)
from perfgate.core.stages import Step, plan, stage_of, stage_problem
from perfgate.core.tolerances import parse_share, parse_tolerance
from perfgate.core.units import parse_duration_s

RULE_KEYS = f"{metrics.names()}, or the options for, window, abort"


def _schema_problem(error: jsonschema.ValidationError, locations: dict[KeyPath, Location], file: str) -> list[str]:
    if error.validator == "anyOf" and "x-expected" not in error.schema:
        # report the branch whose type fits the value ("fast" is a bad limit, not a bad mapping)
        fitting = [e for e in error.context or [] if e.validator != "type"]
        if fitting:
            return [p for sub_error in fitting for p in _schema_problem(sub_error, locations, file)]
    path: KeyPath = tuple(error.absolute_path)
    found = json.dumps(error.instance) if not isinstance(error.instance, dict | list) else None
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed and not _pattern_allows(error.schema, key)]
        patterns = error.schema.get("patternProperties", {})
        named = [part["x-named"] for part in patterns.values() if "x-named" in part]  # the top level's x- keys
        expected = error.schema.get("x-keys") or (
            RULE_KEYS if patterns and not named else ", or ".join([f"one of {', '.join(allowed)}", *named])
        )
        return [
            f"{locate(locations, (*path, key), file)} {show_path((*path, key))}: unknown key; expected {expected}"
            for key in extra
        ]
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return [f"{locate(locations, path, file)} {show_path(path)}: missing key {missing!r}"]
    metric = path[-1] if path and isinstance(path[-1], str) else ""
    expected = error.schema.get("x-expected") or (expected_form(metric) if metric else error.message)
    if found is None:
        found = (
            "an empty value" if not error.instance else f"a {'mapping' if isinstance(error.instance, dict) else 'list'}"
        )
    return [f"{locate(locations, path, file)} {show_path(path)}: expected {expected}, found {found}"]


def _pattern_allows(schema_part: dict[str, Any], key: str) -> bool:
    return any(re.search(pattern, key) for pattern in schema_part.get("patternProperties", {}))


OPTION_KEYS = ("for", "window", "abort")


def _abort(value: Any) -> Abort | None:
    if value is True:
        return Abort()
    if isinstance(value, dict):
        after, sustained = value.get("after"), value.get("for")
        return Abort(parse_duration_s(after) if after is not None else 0.0, _seconds(sustained))
    return None


def _seconds(value: Any) -> float | None:
    return parse_duration_s(value) if value is not None else None


def _options(options: dict[str, Any]) -> dict[str, Any]:
    return {"for_s": _seconds(options.get("for")), "window_s": _seconds(options.get("window"))}


def _block_items(path: KeyPath, block: Any) -> list[tuple[KeyPath, str | None, Any, dict[str, Any]]]:
    """(path, metric or None for k6, limit text, options) for every limit in a rules block."""
    if isinstance(block, list):
        items = []
        for index, item in enumerate(block):
            if isinstance(item, dict):  # k6's {threshold, abortOnFail, delayAbortEval}
                abort = {"after": item.get("delayAbortEval", 0)} if item.get("abortOnFail") else False
                items.append(((*path, index), None, item["threshold"], {"abort": abort}))
            else:
                items.append(((*path, index), None, item, {}))
        return items
    shared = {key: block[key] for key in OPTION_KEYS if key in block}
    items = []
    for metric, value in block.items():
        if metric in OPTION_KEYS:
            continue
        if isinstance(value, dict):
            own = {key: value[key] for key in OPTION_KEYS if key in value}
            items.append(((*path, metric, "limit"), metric, value["limit"], {**shared, **own}))
        else:
            items.append(((*path, metric), metric, value, shared))
    return items


def _rules(data: dict[str, Any], locations: dict[KeyPath, Location], file: str) -> tuple[list[Rule], list[str]]:
    rules: list[Rule] = []
    problems: list[str] = []
    blocks: list[tuple[str, str, KeyPath, Any]] = []
    if "global" in data:
        blocks.append(("global", "global", ("global",), data["global"]))
    if "default" in data:
        blocks.append(("default", "default", ("default",), data["default"]))
    blocks += [("endpoint", key, ("endpoints", key), value) for key, value in data.get("endpoints", {}).items()]
    abort_on = {found.name for found in map(metrics.metric, data.get("abort_on", [])) if found}  # aliases resolved
    for scope, key, path, block in blocks:
        for item_path, metric, text, options in _block_items(path, block):
            where = locate(locations, item_path, file)
            try:
                limit = parse_k6(text) if metric is None else parse_limit(metric, text)
                abort = _abort(options.get("abort", limit.metric in abort_on))
                rule_options = _options(options)
            except ValueError as exc:
                problems.append(f"{where} {show_path(item_path)}: {exc}")
                continue
            location = locations.get(item_path) or Location(file, 0)
            rules.append(Rule(scope, key, limit, show_path(item_path), location, abort=abort, **rule_options))
    return rules, problems


# settings keys and how each is read; a key the profile leaves out keeps Settings' default
_SETTING_READERS: dict[str, tuple[str, Any]] = {
    "evaluate_every": ("evaluate_every_s", parse_duration_s),
    "min_requests": ("min_requests", int),
    "max_generator_cpu": ("max_generator_cpu", float),
    "on_inconclusive": ("on_inconclusive", str),
    "request_timeout": ("request_timeout_s", parse_duration_s),
    "on_interrupt": ("on_interrupt", str),
}


def _settings(data: dict[str, Any]) -> Settings:
    given = data.get("settings", {})
    values = {name: read(given[key]) for key, (name, read) in _SETTING_READERS.items() if key in given}
    if "warmup" in given:
        spawn = given["warmup"] == "spawn"
        values |= {"warmup_until_spawned": spawn, "warmup_s": 0.0 if spawn else parse_duration_s(given["warmup"])}
    return Settings(**values)


def _with_drift(
    settings: Settings, data: dict[str, Any], locations: dict[KeyPath, Location], file: str
) -> tuple[Settings, list[str]]:
    """settings.drift: true (DEFAULT_DRIFT), false, or a mapping of metric to tolerance."""
    given = data.get("settings", {}).get("drift", False)
    location = locations.get(("settings", "drift")) or Location(file, 0)
    if given is True:
        return replace(settings, drift=DEFAULT_DRIFT, drift_location=location), []
    if not given:
        return settings, []
    tolerances, problems = [], []
    for name, text in given.items():
        path: KeyPath = ("settings", "drift", name)
        try:
            tolerances.append(parse_tolerance(name, text))
        except ValueError as exc:
            problems.append(f"{locate(locations, path, file)} {show_path(path)}: {exc}")
    return replace(settings, drift=tuple(tolerances), drift_location=location), problems


def _regression(
    data: dict[str, Any], locations: dict[KeyPath, Location], file: str
) -> tuple[RegressionSettings | None, list[str]]:
    block = data.get("regression")
    if block is None:
        return None, []
    problems: list[str] = []
    rules: list[RegressionRule] = []
    scoped = [(scope, scope, (scope,), block[scope]) for scope in ("global", "default") if scope in block]
    scoped += [("endpoint", key, ("endpoints", key), value) for key, value in block.get("endpoints", {}).items()]
    for scope, key, path, tolerances in scoped:
        min_delta = _seconds(tolerances.get("min_delta"))
        for metric, text in tolerances.items():
            if metric == "min_delta":
                continue
            item_path: KeyPath = ("regression", *path, metric)
            try:
                tolerance = parse_tolerance(metric, text)
            except ValueError as exc:
                problems.append(f"{locate(locations, item_path, file)} {show_path(item_path)}: {exc}")
                continue
            location = locations.get(item_path) or Location(file, 0)
            min_delta_ms = min_delta * 1000 if min_delta is not None else None
            rules.append(RegressionRule(scope, key, tolerance, show_path(item_path), location, min_delta_ms))
    values: dict[str, Any] = {"rules": tuple(rules), "source": locate(locations, ("regression",), file)}
    if "global_shift" in block:
        shift = block["global_shift"]
        values["global_shift"] = parse_tolerance("p95", shift) if shift not in (False, "off") else None
    noise = block.get("noise", {})
    for key, name in (("run", "run_noise"), ("endpoint", "endpoint_noise")):
        if key in noise:
            values[name] = parse_share(noise[key], "noise")
    if "min_delta" in block:
        values["min_delta_ms"] = parse_duration_s(block["min_delta"]) * 1000
    if "confidence" in block:
        values["confidence"] = parse_share(block["confidence"], "a confidence")
        if not 0.5 <= values["confidence"] < 1:
            where = locate(locations, ("regression", "confidence"), file)
            found = f"{values['confidence']:.1%}"
            problems.append(f"{where} regression.confidence: expected from 50% to 99.9%, found {found}")
    return RegressionSettings(**values), problems


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Reads, merges, interpolates and validates a profile; raises ProfileError with every problem."""
    file = str(path)
    data, locations = load_merged(Path(path))
    validator = jsonschema.Draft202012Validator(schema())
    problems = [
        problem
        for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        for problem in _schema_problem(error, locations, file)
    ]
    if problems:
        raise ProfileError(problems)
    rules, problems = _rules(data, locations, file)
    regression, regression_problems = _regression(data, locations, file)
    problems += regression_problems
    load = data.get("load", {})
    run_time = None
    if "run_time" in load:
        try:
            run_time = round(parse_duration_s(load["run_time"]))
        except ValueError as exc:
            problems.append(f"{locate(locations, ('load', 'run_time'), file)} load.run_time: {exc}")
    if problems:
        raise ProfileError(problems)
    settings, drift_problems = _with_drift(_settings(data), data, locations, file)
    problems += drift_problems
    if settings.request_timeout_s <= 0:
        where = locate(locations, ("settings", "request_timeout"), file)
        problems.append(f"{where} settings.request_timeout: expected more than 0s, found 0s")
    if settings.evaluate_every_s < 0.5:
        where = locate(locations, ("settings", "evaluate_every"), file)
        problems.append(
            f"{where} settings.evaluate_every: expected at least 0.5s, found {settings.evaluate_every_s:g}s"
        )
    if problems:
        raise ProfileError(problems)
    steps, mode = _load_plan(load, locations, file, problems)
    if problems:
        raise ProfileError(problems)
    load_defaults = LoadDefaults(load.get("users"), load.get("spawn_rate"), run_time, mode, steps)
    capacity = data.get("capacity", {})
    settle = capacity.get("settle")
    capacity_settings = CapacitySettings(
        capacity.get("min_users"), capacity.get("min_rps"), parse_duration_s(settle) if settle is not None else None
    )
    baseline_host = data.get("duet", {}).get("baseline_host")
    return Profile(file, load_defaults, rules, settings, regression, capacity_settings, baseline_host)


def _load_plan(
    load: dict[str, Any], locations: dict[KeyPath, Location], file: str, problems: list[str]
) -> tuple[tuple[Step, ...], str]:
    """The steps of load.stages and the load mode; problems are appended, located."""
    stages = []
    for index, data in enumerate(load.get("stages", [])):
        stage = stage_of(data)
        problem = stage_problem(stage)
        if problem:
            key = problem.split(":", 1)[0]
            path: KeyPath = ("load", "stages", index, key)
            problems.append(f"{locate(locations, path, file)} {show_path(path)}:{problem.split(':', 1)[1]}")
        stages.append(stage)
    mode = load.get("mode", "stages" if stages else "fixed")
    if mode != "fixed" and not stages:
        path = ("load", "mode")
        problems.append(f"{locate(locations, path, file)} load.mode: {mode} needs load.stages, found none")
    if mode == "fixed" and stages:
        path = ("load", "mode")
        problems.append(f"{locate(locations, path, file)} load.mode: fixed ignores load.stages; remove one of them")
    return (tuple(plan(stages)) if not problems else ()), mode
