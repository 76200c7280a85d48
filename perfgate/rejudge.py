"""A stored result judged again against a baseline, offline: what `perfgate compare` and
`perfgate report --baseline` show, and what the quality benchmark judges its runs with."""

from __future__ import annotations

import sys
from pathlib import Path

from perfgate.config.profile import load_profile
from perfgate.core.baseline import duet_baseline
from perfgate.core.model import Result, Verdict
from perfgate.core.profile import RegressionSettings
from perfgate.core.regression import with_comparison
from perfgate.store.history import default_history, load_baseline
from perfgate.store.results import read_result

DUET = "duet"  # load_result's baseline_path for a duet result's own baseline side


def load_result(
    current: str, baseline_path: str | None, thresholds: str | None, min_delta_ms: float | None = None
) -> Result:
    """A stored result.json, re-judged against `baseline_path` when one is given (DUET: a duet's
    own baseline side, paired), with the regression: block of `thresholds` (default: the run's
    own profile, when its file is here), its min_delta replaced by `min_delta_ms` when given.
    Raises BaselineError or ProfileError for the caller to report."""
    result = read_result(current)
    if baseline_path is None:
        return result
    if baseline_path == DUET:
        duet_baseline(result.to_dict())  # a result without a duet is refused here, with what to do
        baseline = None
    else:
        baseline = load_baseline(baseline_path, default_history(), result.profile)
    if thresholds is None and result.profile and Path(result.profile).is_file():
        thresholds = result.profile
    profile = load_profile(thresholds) if thresholds else None
    if profile is None:
        print(f"perfgate: profile {result.profile!r} not found and no --thresholds given", file=sys.stderr)
    on_inconclusive = profile.settings.on_inconclusive if profile else Verdict.INCONCLUSIVE
    rules = profile.regression if profile else None
    if min_delta_ms is not None:
        rules = (rules or RegressionSettings()).with_min_delta(min_delta_ms)
    return with_comparison(result, rules, baseline, on_inconclusive)
