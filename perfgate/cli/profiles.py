"""perfgate validate and perfgate schema: threshold profiles checked offline, and the JSON Schema
that editors read."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from perfgate.core.model import CONFIG_ERROR_EXIT_CODE


def add_commands(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check threshold profiles offline (exit 2 on any problem)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_validate)
    schema = commands.add_parser("schema", help="print the profile JSON Schema (for editors)")
    schema.set_defaults(run=_schema)


def _validate(args: argparse.Namespace) -> int:
    from perfgate.config.profile import ProfileError, load_profile

    failed = 0
    for path in args.files:
        try:
            profile = load_profile(path)
        except ProfileError as error:
            failed += 1
            for problem in error.problems:
                print(problem, file=sys.stderr)
            continue
        compared = len(profile.regression.rules) if profile.regression else 0
        print(f"{path}: OK ({len(profile.rules)} rules, {compared} regression rules)")
    return CONFIG_ERROR_EXIT_CODE if failed else 0


def _schema(_args: argparse.Namespace) -> int:
    from perfgate.config.schema import schema

    print(json.dumps(schema(), indent=2))
    return 0
