"""Durations and globs as users write them: "500ms", "1.5s", "2m", "1h"; "GET /api/v1/reports/*"."""

from __future__ import annotations

import functools
import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration_s(text: str | int | float, default_unit: str = "s") -> float:
    """Seconds in `text`; a bare number is in `default_unit`. Raises ValueError naming the text."""
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like 10s or 500ms, found {text!r}")
    if isinstance(text, int | float):
        return float(text) * _SECONDS_PER_UNIT[default_unit]
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"expected a duration like 10s or 500ms, found {text!r}")
    return float(match.group(1)) * _SECONDS_PER_UNIT[match.group(2) or default_unit]


@functools.lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Only `*` is special: request names carry `?`, `[` and `.` literally (query strings, ids)."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
