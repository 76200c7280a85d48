"""Response-time buckets for Locust's histograms.

Locust rounds every response time to about two significant digits (147 -> 150, 3432 -> 3400),
so a percentile read from its histogram can be up to 5% off. perfgate keeps three: 1 ms steps
below 1 s, then 10 ms, 100 ms, 1 s, so from 100 ms upwards a bucket is within 0.5% of the time
it holds. It is a function of Locust's stats module that Locust documents as replaceable; the
plugin installs it on every process (workers import the same locustfile), so the master's merged
histograms use it too.
"""

from __future__ import annotations


def bucket_ms(response_time: int | float) -> int:
    if response_time < 1_000:
        return round(response_time)
    if response_time < 10_000:
        return int(round(response_time, -1))
    if response_time < 100_000:
        return int(round(response_time, -2))
    return int(round(response_time, -3))
