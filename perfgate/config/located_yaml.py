"""A profile's YAML read with where each key is written (`file:line`): `${VAR:-default}` filled
from the environment, `extends:` merged over its base, and refused with a located problem when
a key is duplicated or not text, the YAML is invalid, or aliases expand it beyond a profile's size."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from perfgate.core.encoding import not_utf8
from perfgate.core.keypath import KeyPath, show_path
from perfgate.core.profile import Location

_ENV_VAR = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
MAX_PROFILE_ENTRIES = 20_000


class ProfileError(Exception):
    """One or more problems in a profile; each line names the file, line and key path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _interpolate(text: str, file: str) -> str:
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{file}:{line}: environment variable {name} is not set and has no default")
                return ""
            return default
        return value

    result = _ENV_VAR.sub(replace, text)
    if problems:
        raise ProfileError(problems)
    return result


def _locations(node: yaml.Node, file: str, path: KeyPath, out: dict[KeyPath, Location]) -> list[str]:
    """Records where each key path is written; returns duplicate-key problems (YAML keeps the last)."""
    children: list[tuple[KeyPath, yaml.Node, yaml.Node]] = []
    problems: list[str] = []
    if len(out) > MAX_PROFILE_ENTRIES:  # aliases of aliases ("billion laughs") expand exponentially
        raise ProfileError(
            [f"{file}: more than {MAX_PROFILE_ENTRIES:,} keys and list items (YAML aliases expanded); not a profile"]
        )
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                problems.append(f"{file}:{key_node.start_mark.line + 1} {show_path((*path, key))}: duplicate key")
            seen.add(key)
            children.append(((*path, key), key_node, value_node))
    elif isinstance(node, yaml.SequenceNode):
        children = [((*path, index), item, item) for index, item in enumerate(node.value)]
    for child_path, key_node, value_node in children:
        out[child_path] = Location(file, key_node.start_mark.line + 1)
        problems += _locations(value_node, file, child_path, out)
    return problems


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[KeyPath, Location]]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError([f"{file}: profile file not found (working directory {os.getcwd()})"]) from None
    except UnicodeDecodeError as exc:
        raise ProfileError([f"{file}: {not_utf8(exc)}"]) from None
    except OSError as exc:
        raise ProfileError([f"{file}: cannot read the profile: {exc}"]) from None
    text = _interpolate(text, file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control, BOM inside...)
        line = text.count("\n", 0, exc.position) + 1
        raise ProfileError([f"{file}:{line}: invalid YAML: character #x{exc.character:04x} is not allowed"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = exc.problem or exc.context
        if problem and "'\\t'" in problem:  # an editor's tab in the indentation: YAML takes none
            problem += "; YAML indents with spaces, not tabs"
        raise ProfileError([f"{file}{line}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ProfileError([f"{file}: invalid YAML: {exc}"]) from None
    except RecursionError:
        raise ProfileError([f"{file}: invalid YAML: nested too deeply"]) from None
    if node is None:
        raise ProfileError([f"{file}: the profile is empty; expected a mapping with at least version: 1"])
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ProfileError([f"{file}:1: expected a mapping with version, load, endpoints..., found a {kind}"])
    locations: dict[KeyPath, Location] = {(): Location(file, node.start_mark.line + 1)}
    try:
        problems = _locations(node, file, (), locations)
    except RecursionError:
        raise ProfileError([f"{file}: nested too deeply to be a profile"]) from None
    problems += _non_text_keys(data, file, (), locations)
    if problems:
        raise ProfileError(problems)
    return data, locations


def _non_text_keys(data: Any, file: str, path: KeyPath, locations: dict[KeyPath, Location]) -> list[str]:
    """YAML allows keys that are not text (`? `, `200:`, `true:`); a profile's keys are names."""
    problems = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        if isinstance(data, dict) and not isinstance(key, str):
            where = locate(locations, (*path, str(key)), file)
            problems.append(f"{where} {show_path(path)}: expected a key in quotes or text, found {key!r}")
            continue
        problems += _non_text_keys(value, file, (*path, key), locations)
    return problems


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def load_merged(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[KeyPath, Location]]:
    """The profile at `path` merged over the bases it `extends:` (`chain`: the files that extend it),
    and where each key path is written."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ProfileError([f"{path}: extends forms a cycle: {cycle}"])
    data, locations = _read_yaml(path)
    parent = data.get("extends")
    if parent is None:
        return data, locations
    if not isinstance(parent, str) or not parent:
        raise ProfileError(
            [f"{locations[('extends',)]} extends: expected the path of a base profile, found {parent!r}"]
        )
    base_path = path.parent / parent
    if not base_path.is_file():
        shown = base_path if str(base_path).isprintable() else json.dumps(str(base_path))
        what = "is a directory, not a profile file" if base_path.is_dir() else "not found"
        raise ProfileError([f"{locations[('extends',)]} extends: base profile {shown} {what}"])
    base_data, base_locations = load_merged(base_path, (*chain, resolved))
    merged = _merge(base_data, {k: v for k, v in data.items() if k != "extends"})
    return merged, {**base_locations, **locations}


def locate(locations: dict[KeyPath, Location], path: KeyPath, fallback: str) -> str:
    """Where `path` is written, or its nearest written parent (a missing key's mapping), else `fallback`."""
    for end in range(len(path), -1, -1):
        if path[:end] in locations:
            return str(locations[path[:end]])
    return fallback
