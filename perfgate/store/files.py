"""Atomic report writes: a reader (or a CI artifact upload) never sees half a file, and an exit
from a signal handler during a write waits for its end (no temporary file left, no report lost)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Writes:
    """Whether a write is under way in this process. A signal handler runs between two steps of
    the code it interrupts, so an os._exit there would skip the write's cleanup; `exit` leaves
    at the end of the write instead (a write does not yield to other greenlets: it is short)."""

    def __init__(self) -> None:
        self.under_way = False  # write_atomic never nests
        self.exit_code: int | None = None

    def exit(self, code: int) -> None:
        """os._exit(code), now or once the write under way is done."""
        if self.under_way:
            self.exit_code = code
        else:
            os._exit(code)

    @contextmanager
    def one(self) -> Iterator[None]:
        self.under_way = True
        try:
            yield
        finally:
            self.under_way = False
            if self.exit_code is not None:
                os._exit(self.exit_code)


WRITES = Writes()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with WRITES.one():
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)  # mkstemp creates 0600; reports are read by CI uploaders and people
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
