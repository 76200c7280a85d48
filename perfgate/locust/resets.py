"""When Locust's stats were zeroed during a test. The web UI's "reset stats" and --reset-stats
announce it with Locust's reset_stats event just before; a locustfile's own
`environment.stats.reset_all()` (an older way to leave a warm-up out) announces nothing, and the
gate went on measuring from the test's start: the requests since the reset over the whole run's
time (40% too few per second after a reset at 2 s of 5 s), and windows where the counters fell
with negative counts, which result.json's own schema refuses. Every reset clears perfgate's
histograms of the stats too (locust/patches.py), which keep when; the gate looks at every live
tick and when the test stops."""

from __future__ import annotations

from typing import Any


class Resets:
    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self.seen: float | None = stats.perfgate_buckets.cleared_at
        self.announced = False

    def new_test(self) -> None:
        """Locust clears the stats when a test starts, before its test_start event: not a reset."""
        self.seen, self.announced = self.stats.perfgate_buckets.cleared_at, False

    def announce(self) -> None:
        """The reset_stats event: the stats are zeroed next."""
        self.announced = True

    def unannounced(self) -> float | None:
        """The time (time.monotonic) of a reset that no event announced, once; None if there was none."""
        cleared = self.stats.perfgate_buckets.cleared_at
        if cleared == self.seen:
            return None
        self.seen = cleared
        if self.announced:
            self.announced = False
            return None
        return cleared
