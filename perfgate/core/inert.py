"""Text that a target or a locustfile put into a request name or an error message, made inert for
every program that reads it: a terminal and a CI log (where a line that starts with `::error::` is
a GitHub workflow command), Markdown (a carriage return ends a table row), XML (NUL is not allowed
even escaped), JSON written as UTF-8 (a lone surrogate cannot be encoded), and people (direction
marks make a name read backwards). Each such character becomes a visible escape (`\\n`, `\\x00`,
`\\u202e`), so the name stays one line of printable text and still says what it held.
"""

from __future__ import annotations

_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
_DIRECTION_MARKS = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_LINE_SEPARATORS = [0x2028, 0x2029]
_SURROGATES = range(0xD800, 0xE000)
_ESCAPES: dict[int, str] = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [*_CONTROLS, *_DIRECTION_MARKS, *_LINE_SEPARATORS, *_SURROGATES]
} | {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def inert(text: str) -> str:
    """`text` with every control character, direction mark, line separator and lone surrogate
    escaped; printable text (almost every name) is returned as it is, at the cost of one check."""
    return text if text.isprintable() else text.translate(_ESCAPES)
