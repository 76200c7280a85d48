"""The `perfgate` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "demo-api":
        from perfgate.demo.server import main as demo_main

        return demo_main(argv[1:])
    print("usage: perfgate demo-api ...", file=sys.stderr)
    return 2
