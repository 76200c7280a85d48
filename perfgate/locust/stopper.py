"""Which code of the locustfile's stopped a run before its planned end.

Locust stops a run on its own for --run-time, a signal, a load shape's end and the web UI's stop
button, and perfgate does for an abort; a locustfile can too, by calling `runner.quit()` or
`runner.stop()` from a task or a background greenlet (Locust's docs show one that quits when the
failure ratio grows). All of them fire `test_stopping` inside that call, so the first frame on
the stack that is none of theirs is the locustfile's, or a third-party plugin's: the verdict then
says where the run was stopped instead of guessing.
"""

from __future__ import annotations

import os
import sys
from types import FrameType

# whose frames are the stopping machinery, not the reason for the stop
_MACHINERY = {"locust", "gevent", "greenlet", "perfgate", "__main__"}


def stopped_from(frame: FrameType | None) -> str | None:
    """`file:line (function)` of the first frame up from `frame` outside the machinery, or None."""
    while frame is not None:
        package = str(frame.f_globals.get("__name__", "")).partition(".")[0]
        if package not in _MACHINERY and package not in sys.stdlib_module_names:
            return f"{shown_path(frame.f_code.co_filename)}:{frame.f_lineno} ({frame.f_code.co_qualname})"
        frame = frame.f_back
    return None


def stopped_here() -> str | None:
    return stopped_from(sys._getframe(1))


def shown_path(path: str) -> str:
    """Relative to the working directory when the file is under it, as a CI log shows paths."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative
