"""The `perfgate` command. Each family of subcommands is a module of this package that adds its
own parsers, so that a command's options sit beside the code that reads them."""

from __future__ import annotations

import argparse
import logging
import sys

from perfgate.cli import calibration, history, plan, profiles, results, wait
from perfgate.report.terminal import escape_on_stdout
from perfgate.version import __version__

FAMILIES = (profiles, results, wait, history, calibration, plan)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfgate", description="A CI/CD performance gate for Locust.")
    parser.add_argument("--version", action="version", version=f"perfgate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo-api", help="run the demo DevOps API (see perfgate demo-api --help)", add_help=False)
    for family in FAMILIES:
        family.add_commands(commands)
    return parser


def _log_to_the_terminal() -> None:
    """The `perfgate` logger's messages (the output step's) on stdout, problems on stderr."""
    logger = logging.getLogger("perfgate")
    if logger.handlers:
        return
    for stream, keep in (
        (sys.stdout, lambda r: r.levelno < logging.WARNING),
        (sys.stderr, lambda r: r.levelno >= logging.WARNING),
    ):
        handler = logging.StreamHandler(stream)
        handler.addFilter(keep)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo-api"]:
        from perfgate.demo.server import main as demo_main

        return demo_main(argv[1:])
    args = build_parser().parse_args(argv)
    escape_on_stdout()
    _log_to_the_terminal()
    return args.run(args)
