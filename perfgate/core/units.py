"""Durations and globs as users write them: "500ms", "1.5s", "2m", "1h30m"; "GET /api/v1/reports/*"."""

from __future__ import annotations

import functools
import re

_NUMBER = r"\d+(?:\.\d+)?"
# one number with or without its unit, or Locust's --run-time form: units largest first, each once
# ("1h30m", "1m30s"); the profile's JSON Schema carries this pattern (config/schema.py writes it)
DURATION_PATTERN = (
    rf"^\s*(?:{_NUMBER}\s*(?:ms|s|m|h)?|(?=\d)(?:{_NUMBER}\s*h\s*)?(?:{_NUMBER}\s*m(?!s)\s*)?"
    rf"(?:{_NUMBER}\s*s\s*)?(?:{_NUMBER}\s*ms)?)\s*$"
)
DURATION_EXPECTED = 'a duration like "60s", "2m", "1m30s" or "500ms"'
_DURATION = re.compile(DURATION_PATTERN)
_PART = re.compile(rf"({_NUMBER})\s*(ms|h|m|s)?")
_SECONDS_PER_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration_s(text: str | int | float, default_unit: str = "s") -> float:
    """Seconds in `text`; a bare number is in `default_unit`. Raises ValueError naming the text."""
    if isinstance(text, bool) or (isinstance(text, str) and not _DURATION.match(text)):
        raise ValueError(f"expected {DURATION_EXPECTED}, found {text!r}")
    if isinstance(text, int | float):
        return float(text) * _SECONDS_PER_UNIT[default_unit]
    return sum(float(number) * _SECONDS_PER_UNIT[unit or default_unit] for number, unit in _PART.findall(text))


@functools.lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Only `*` is special: request names carry `?`, `[` and `.` literally (query strings, ids)."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
