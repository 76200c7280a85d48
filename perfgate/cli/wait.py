"""perfgate wait-for: a CI step that starts the load only once the system under test answers."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(commands: Any) -> None:
    wait = commands.add_parser(
        "wait-for", help="wait until a URL answers HTTP (start the load only once the system under test is up)"
    )
    wait.add_argument("url", metavar="URL")
    wait.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="default 60; exit 1 after it")
    wait.set_defaults(run=_wait_for)


def _wait_for(args: argparse.Namespace) -> int:
    """Until URL answers HTTP at all (any status: a 404 still means the server is up)."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + args.timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(args.url, timeout=2):
                return 0
        except urllib.error.HTTPError:
            return 0
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", error))
        time.sleep(0.25)
    print(f"perfgate: {args.url} did not answer within {args.timeout:g}s ({last})", file=sys.stderr)
    return 1
