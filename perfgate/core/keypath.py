"""Where a problem is in a document: a key path, shown the way messages name it
(`endpoints."GET /api/v1/projects".p95`, `load.stages[2].users`)."""

from __future__ import annotations

import json
import re

KeyPath = tuple[str | int, ...]


def show_path(path: KeyPath) -> str:
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            text = part if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", part) else json.dumps(part)
            parts.append(("." if parts else "") + text)
    return "".join(parts) or "(top level)"
