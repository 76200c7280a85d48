"""perfgate's three-digit histograms of a Locust stats object, kept beside Locust's own.

Locust's entries keep Locust's rounding, so that its tables, CSV and web UI, and its merging of
the workers' reports on the master, cost what they cost in bare Locust. perfgate counts every
request again in core.buckets' three-digit buckets, by entry (name, method). A worker sends what
it counted since its last report inside that report, packed (core.buckets.packed), and the
master counts the packed buckets only when it reads a histogram: the reports of many workers in
one C loop. With the three-digit buckets inside Locust's entries, Locust's merge added them
bucket by bucket in Python, and that was most of what perfgate cost a master with a hundred
workers (benchmarks/master.py).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

from perfgate.core.buckets import count_packed, counted, packed

WIRE_KEY = "perfgate_buckets"  # the histograms in a worker's stats report
EntryKey = tuple[str, str]  # Locust's key of an entry: (name, method)
# Response times an entry keeps before counting them when nothing reads them first (the live loop,
# a window, a worker's report every 3 s all do): ~0.3 MB an entry at most.
COUNT_EVERY = 10_000


class FineHistograms:
    """The three-digit histograms of one Locust RequestStats, by entry: the response times logged
    here (locust/patches.py puts them in `waiting`), counted in batches when read or when
    COUNT_EVERY of an entry wait; or on a master, received from the workers and counted when read."""

    def __init__(self) -> None:
        self.counts: defaultdict[EntryKey, Counter[int | float]] = defaultdict(Counter)
        self.waiting: defaultdict[EntryKey, list[float]] = defaultdict(list)
        self.received: defaultdict[EntryKey, list[bytes]] = defaultdict(list)
        self.received_off_grid: defaultdict[EntryKey, list[dict[int | float, int]]] = defaultdict(list)
        self.cleared_at: float | None = None  # time.monotonic() of the last clear: Locust's reset or clear

    def count_waiting(self, key: EntryKey) -> None:
        self.counts[key].update(counted(self.waiting.pop(key, [])))

    def histogram(self, key: EntryKey) -> Counter[int | float]:
        if key in self.waiting:
            self.count_waiting(key)
        if key in self.received:
            count_packed(self.counts[key], self.received.pop(key), self.received_off_grid.pop(key, ()))
        return self.counts.get(key, Counter())

    def report(self) -> list[list[Any]]:
        """What was counted since the last report, packed, for a worker's stats report; counting
        starts again from nothing, as Locust's entries do when it sends them."""
        for key in list(self.waiting):
            self.count_waiting(key)
        taken, self.counts = self.counts, defaultdict(Counter)
        return [[name, method, *packed(histogram)] for (name, method), histogram in taken.items()]

    def receive(self, report: list[list[Any]]) -> None:
        for name, method, positions, off_grid in report:
            self.received[(name, method)].append(positions)
            if off_grid:
                self.received_off_grid[(name, method)].append(off_grid)

    def clear(self) -> None:
        self.cleared_at = time.monotonic()
        self.counts.clear()
        self.waiting.clear()
        self.received.clear()
        self.received_off_grid.clear()


def send_with_reports(events: Any, stats: Any) -> None:
    """Workers add the histograms of `stats` to their stats reports, and a master adds up what
    it receives, next to Locust's own listeners for the same stats (locust.stats
    setup_distributed_stats_event_listeners)."""

    def add_to_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        data[WIRE_KEY] = stats.perfgate_buckets.report()

    def receive_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        stats.perfgate_buckets.receive(data.get(WIRE_KEY, ()))

    events.report_to_master.add_listener(add_to_report)
    events.worker_report.add_listener(receive_report)
