"""Text for a terminal or a CI log whose encoding lacks some characters of a report (an ASCII or
Latin-1 locale, and an endpoint named "Übersicht ✓", or the "…" of a cut name): those come out as
backslash escapes, as Python writes them to stderr, not as a UnicodeEncodeError that loses the
verdict table."""

from __future__ import annotations

import io
import sys
from typing import TextIO

ERRORS = "backslashreplace"


class Escaping(io.TextIOBase):
    """A stream of Locust's process, which is the user's: its own error handling is left as it is,
    and perfgate writes through this."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        self.stream.write(text.encode(encoding, ERRORS).decode(encoding))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def writable(self) -> bool:
        return True


def escape_on_stdout() -> None:
    """The perfgate command's own process: everything it prints escapes."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=ERRORS)
