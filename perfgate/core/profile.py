"""A threshold profile as the core reads it: rules, settings, load, regression tolerances, each
default written once, here. Reading a profile from YAML is perfgate.config.profile's job."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from perfgate.core.limits import Limit
from perfgate.core.model import Verdict
from perfgate.core.naming import key_matches
from perfgate.core.stages import Step
from perfgate.core.tolerances import Tolerance

# the tolerances a regression comparison and a trend use when the profile has no regression: block
P95_TOLERANCE = Tolerance("p95", 0.2, "+20%")
ERROR_RATE_TOLERANCE = Tolerance("error_rate", 0.005, "+0.5pp")


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Abort:
    after_s: float = 0.0  # grace period from the start of measurement
    for_s: float | None = None  # breached continuously this long before aborting


@dataclass(frozen=True)
class Rule:
    scope: str  # endpoint | default | global
    key: str  # the endpoint key as written ("GET /api/v1/reports/*"), or "default" / "global"
    limit: Limit
    path: str  # e.g. endpoints."GET /api/v1/projects".p95
    location: Location
    for_s: float | None = None  # fails only when breached continuously for this long
    window_s: float | None = None  # judged on the last window_s seconds of the run only
    abort: Abort | None = None  # stops the run as soon as it is breached

    def matches(self, method: str, name: str) -> bool:
        return key_matches(self.key, method, name)


@dataclass(frozen=True)
class RegressionRule:
    scope: str  # endpoint | default | global
    key: str
    tolerance: Tolerance
    path: str
    location: Location
    min_delta_ms: float | None = None  # None: regression.min_delta

    def matches(self, method: str, name: str) -> bool:
        return key_matches(self.key, method, name)


@dataclass(frozen=True)
class RegressionSettings:
    """The profile's `regression:` block: what may not get worse than the baseline."""

    rules: tuple[RegressionRule, ...] = ()
    confidence: float = 0.95  # family-wise, over every regression check of the run
    global_shift: Tolerance | None = P95_TOLERANCE  # None: no global-shift check
    # assumed when the baseline holds fewer than 3 runs; benchmarks/quality.py measured 19-24% between
    # runs on a 2-core CI machine, and 5% made the global-shift check flag 19% of unchanged runs
    run_noise: float = 0.20
    endpoint_noise: float = 0.03
    min_delta_ms: float = 5.0
    source: str = ""  # where the block was written; empty for the built-in defaults

    def with_min_delta(self, ms: float) -> RegressionSettings:
        """The same block with every min_delta, the block's and each rule's, set to `ms`: at 0,
        what the statistic alone decides."""
        return replace(self, min_delta_ms=ms, rules=tuple(replace(rule, min_delta_ms=None) for rule in self.rules))


@dataclass(frozen=True)
class LoadDefaults:
    users: int | None = None
    spawn_rate: float | None = None
    run_time_s: int | None = None
    mode: str = "fixed"  # fixed | stages | capacity
    steps: tuple[Step, ...] = ()  # the planned load.stages (core/stages.py)


@dataclass(frozen=True)
class CapacitySettings:
    """The `capacity:` block: the capacity a run must show, and how long each step settles."""

    min_users: int | None = None
    min_rps: float | None = None
    settle_s: float | None = None  # None: each step's spawn time + 2 s


DEFAULT_DRIFT = (P95_TOLERANCE, ERROR_RATE_TOLERANCE)


@dataclass(frozen=True)
class Settings:
    warmup_s: float = 0.0
    warmup_until_spawned: bool = False
    evaluate_every_s: float = 2.0
    min_requests: int | None = None  # None: derived per check, see evaluate.min_requests_for
    max_generator_cpu: float = 90.0
    on_inconclusive: str = Verdict.INCONCLUSIVE  # or fail / pass: the exit code of an inconclusive run
    request_timeout_s: float = 30.0  # HttpUser would wait for ever on a server that never answers
    on_interrupt: str = Verdict.INCONCLUSIVE  # judge: an interrupted run with enough data gets a normal verdict
    drift: tuple[Tolerance, ...] = ()  # off; `drift: true` is DEFAULT_DRIFT (core/drift.py)
    drift_location: Location = Location("", 0)

    @property
    def warmup(self) -> str:
        """settings.warmup as a profile writes it: `spawn` or a duration."""
        return "spawn" if self.warmup_until_spawned else f"{self.warmup_s:g}s"


@dataclass
class Profile:
    path: str
    load: LoadDefaults = field(default_factory=LoadDefaults)
    rules: list[Rule] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    regression: RegressionSettings | None = None
    capacity: CapacitySettings = field(default_factory=CapacitySettings)
    baseline_host: str | None = None  # duet.baseline_host: the baseline deployment driven beside the candidate


BUILT_IN = Location("", 0)
DEFAULT_REGRESSION = RegressionSettings(
    rules=(
        RegressionRule("default", "default", P95_TOLERANCE, "(built-in) default.p95", BUILT_IN),
        RegressionRule("global", "global", ERROR_RATE_TOLERANCE, "(built-in) global.error_rate", BUILT_IN),
    )
)
