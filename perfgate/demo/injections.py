"""Regression injections for the demo API: `latency:<glob>:<ms>`, `errors:<glob>:<percent>`,
`trickle:<glob>:<ms>` (the response body sent one byte every <ms>, the headers at once),
`leak:<glob>:<ms>` (a delay that grows by <ms> every minute, as a leak does), `cpu:<glob>:<ms>`
(<ms> of CPU burnt per request: a real regression often costs CPU, and on a shared machine that
slows whatever else runs there), `drop-index`,
`slow-auth`; latency, errors, trickle, leak and cpu may end in `:after=<duration>` and/or `:until=<duration>`
(measured from server start) so that a regression can be limited to part of a run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfgate.core.units import glob_regex, parse_duration_s

SPEC_HELP = (
    "expected latency:<route glob>:<ms>, errors:<route glob>:<percent>, trickle:<route glob>:<ms per byte>, "
    "leak:<route glob>:<ms per minute>, cpu:<route glob>:<ms of CPU>, "
    "drop-index or slow-auth, "
    "optionally followed by :after=<duration> and/or :until=<duration>"
)


ROUTED = ("latency", "errors", "trickle", "leak", "cpu")  # the kinds that take a route glob and an amount


class InjectionError(ValueError):
    """A malformed injection SPEC; the message names it."""


@dataclass(frozen=True)
class Injection:
    kind: str  # latency | errors | trickle | leak | cpu | drop-index | slow-auth
    route_glob: str = "*"
    amount: float = 0.0  # ms (latency, cpu), percent (errors), ms between two bytes (trickle), ms a minute (leak)
    after_s: float = 0.0
    until_s: float | None = None

    def active(self, uptime_s: float) -> bool:
        return uptime_s >= self.after_s and (self.until_s is None or uptime_s < self.until_s)

    def delay_ms(self, uptime_s: float) -> float:
        """The added response time at `uptime_s` (while active)."""
        if self.kind == "latency":
            return self.amount
        if self.kind == "leak":
            return self.amount * (uptime_s - self.after_s) / 60.0
        return 0.0

    def matches(self, method: str, route: str) -> bool:
        pattern = glob_regex(self.route_glob)
        return bool(pattern.match(f"{method} {route}") or pattern.match(route))

    def describe(self) -> str:
        if self.kind in ("drop-index", "slow-auth"):
            return self.kind
        text = f"{self.kind}:{self.route_glob}:{self.amount:g}"
        if self.after_s:
            text += f":after={self.after_s:g}s"
        if self.until_s is not None:
            text += f":until={self.until_s:g}s"
        return text


def parse_injection(spec: str) -> Injection:
    spec = spec.strip()
    if spec in ("drop-index", "slow-auth"):
        return Injection(kind=spec)
    kind, _, rest = spec.partition(":")
    if kind not in ROUTED or not rest:
        raise InjectionError(f"invalid injection {spec!r}: {SPEC_HELP}")
    parts = rest.split(":")
    timing: dict[str, float] = {}
    while parts and re.fullmatch(r"(after|until)=.*", parts[-1]):
        key, _, value = parts.pop().partition("=")
        try:
            timing[key] = parse_duration_s(value)
        except ValueError as exc:
            raise InjectionError(f"invalid injection {spec!r}: {key}: {exc}") from None
    if len(parts) < 2:
        raise InjectionError(f"invalid injection {spec!r}: {SPEC_HELP}")
    glob, amount_text = ":".join(parts[:-1]).strip(), parts[-1].strip().removesuffix("%").removesuffix("ms")
    try:
        amount = float(amount_text)
    except ValueError:
        raise InjectionError(f"invalid injection {spec!r}: expected a number at the end, found {parts[-1]!r}") from None
    if not glob:
        raise InjectionError(f"invalid injection {spec!r}: the route glob is empty")
    if amount < 0 or (kind == "errors" and amount > 100):
        limit = "0..100" if kind == "errors" else ">= 0"
        raise InjectionError(f"invalid injection {spec!r}: expected {limit}, found {amount:g}")
    return Injection(kind, glob, amount, timing.get("after", 0.0), timing.get("until"))


def parse_injections(specs: list[str]) -> list[Injection]:
    """Each item may itself hold several SPECs separated by `;` (the PERFGATE_DEMO_INJECT form)."""
    return [parse_injection(part) for spec in specs for part in spec.split(";") if part.strip()]
