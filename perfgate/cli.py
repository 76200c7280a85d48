"""The `perfgate` command: demo-api, validate, schema."""

from __future__ import annotations

import argparse
import json
import sys

from perfgate import __version__
from perfgate.model import CONFIG_ERROR_EXIT_CODE


def _validate(args: argparse.Namespace) -> int:
    from perfgate.profile import ProfileError, load_profile

    failed = 0
    for path in args.files:
        try:
            profile = load_profile(path)
        except ProfileError as error:
            failed += 1
            for problem in error.problems:
                print(problem, file=sys.stderr)
            continue
        print(f"{path}: OK ({len(profile.rules)} rules)")
    return CONFIG_ERROR_EXIT_CODE if failed else 0


def _schema(_args: argparse.Namespace) -> int:
    from perfgate.profile import schema

    print(json.dumps(schema(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfgate", description="A CI/CD performance gate for Locust.")
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo-api", help="run the demo DevOps API (see perfgate demo-api --help)", add_help=False)
    validate = commands.add_parser("validate", help="check threshold profiles offline (exit 2 on any problem)")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_validate)
    schema = commands.add_parser("schema", help="print the profile JSON Schema (for editors)")
    schema.set_defaults(run=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo-api"]:
        from perfgate.demo.server import main as demo_main

        return demo_main(argv[1:])
    args = build_parser().parse_args(argv)
    return args.run(args)
