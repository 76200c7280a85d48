"""Argument types and shared options of the `perfgate` subcommands: a bad value is refused by
argparse with what was expected and what was found."""

from __future__ import annotations

import argparse


def probability(text: str) -> float:
    """ "1/1000", "0.1%" or 0.001."""
    try:
        if "/" in text:
            numerator, denominator = text.split("/", 1)
            value = float(numerator) / float(denominator)
        elif text.strip().endswith("%"):
            value = float(text.strip()[:-1]) / 100
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"expected a probability like 1/1000 or 0.1%, found {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, found {text!r}")
    return value


def percent(text: str) -> float:
    from perfgate.core.tolerances import parse_share

    try:
        return parse_share(text.strip().lstrip("+"), "a share")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def duration_s(text: str, unit: str = "s") -> float:
    """A duration argument ("500ms", "2m"; a bare number is in `unit`), in seconds."""
    from perfgate.core.units import parse_duration_s

    try:
        return parse_duration_s(text, default_unit=unit)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def milliseconds(text: str) -> float:
    return duration_s(text, "ms") * 1000


def run_selection(parser: argparse.ArgumentParser, branch: str, profile: str, last: tuple[int, str]) -> None:
    """--branch, --profile and --last: which recorded runs of the history a command reads."""
    parser.add_argument("--branch", help=branch)
    parser.add_argument("--profile", help=profile)
    parser.add_argument("--last", type=int, default=last[0], metavar="N", help=last[1])
