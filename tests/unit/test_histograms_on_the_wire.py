"""perfgate's three-digit histograms as workers send them in their stats reports and a master
adds them up (core.buckets.packed, locust/histograms.py; no Locust needed)."""

import random
from collections import Counter

from perfgate.core.buckets import bucket_ms, count_packed, packed
from perfgate.locust.histograms import FineHistograms


def histogram_of(times: list[float]) -> Counter:
    return Counter(bucket_ms(ms) for ms in times)


def test_a_packed_histogram_counts_back_to_the_same_buckets_off_the_grid_included():
    draw = random.Random(3)
    times = [draw.lognormvariate(2.5, 1.2) for _ in range(5_000)] + [0, 0, 2.5e7, 0.0004]
    histogram = histogram_of(times)
    positions, off_grid = packed(histogram)
    assert len(positions) == 2 * (len(times) - 4)  # one 16-bit position per request on the grid
    assert off_grid == {0: 2, 25000000: 1, 0.0004: 1}  # below 1 µs and above 10^7 ms: off the grid
    counted: Counter = Counter()
    count_packed(counted, [positions, positions], [off_grid, off_grid])
    assert counted == Counter({bucket: 2 * count for bucket, count in histogram.items()})


def test_a_master_adds_up_its_workers_reports_only_when_it_reads_them():
    workers = [FineHistograms(), FineHistograms()]
    draw = random.Random(5)
    sent: dict[tuple[str, str], Counter] = {}
    for worker in workers:
        for key in (("/a", "GET"), ("/b", "POST")):
            for _ in range(300):
                bucket = bucket_ms(draw.uniform(1, 900))
                worker.counts[key][bucket] += 1
                sent.setdefault(key, Counter())[bucket] += 1
    master = FineHistograms()
    for worker in workers:
        master.receive(worker.report())
        assert worker.report() == []  # a report takes what was counted: the next starts from nothing
    assert master.received and not master.counts
    assert master.histogram(("/a", "GET")) == sent[("/a", "GET")]
    assert master.histogram(("/b", "POST")) == sent[("/b", "POST")]
    assert master.histogram(("/c", "GET")) == Counter()
    master.clear()
    assert master.histogram(("/a", "GET")) == Counter()
