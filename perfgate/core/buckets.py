"""Response-time buckets for Locust's histograms.

Locust rounds every response time to about two significant digits, and to whole milliseconds
below 100 ms (147 -> 150, 9.4 -> 9), so a percentile read from its histogram can be 5% off, and
on a fast API (p95 of 8 ms) far more. perfgate's gate compares percentiles to 1%, so it keeps three
significant digits on a 1-2-5 grid at every magnitude: steps of 0.01, 0.02 and 0.05 ms between 1,
2, 5 and 10 ms, and the same ten times coarser per decade. A bucket is then within 0.5% of every
time it holds, with at most 350 buckets per decade (plain three-digit rounding needs 900, and
each occupied bucket costs bytes in every worker-to-master stats message).

Locust documents `locust.stats.bucket_response_time` as replaceable; the plugin installs this one
on every process (workers import the same locustfile), so the master's merged histograms use it
too. Keys are ints from 100 ms up and floats below, which msgpack and JSON carry unchanged.
"""

from __future__ import annotations

import functools
import math

# (mantissa limit, step in units of the third significant digit)
_STEPS = ((2.0, 1), (5.0, 2), (10.0, 5))


def bucket_width_ms(response_time: float) -> float:
    """Width of the bucket that holds `response_time`."""
    if response_time <= 0:
        return 0.0
    exponent = math.floor(math.log10(response_time))
    mantissa = response_time / 10.0**exponent
    multiple = next((step for limit, step in _STEPS if mantissa < limit), 5)
    return multiple * 10.0 ** (exponent - 2)


def bucket_ms(response_time: int | float) -> int | float:
    return _rounded(response_time, bucket_width_ms(response_time))


@functools.cache  # called with bucket values, a set of a few thousand at most
def coarse_bucket_ms(response_time: int | float) -> int | float:
    """Two significant digits on the same grid (within 5%, at most 35 buckets per decade): for the
    per-window histograms stored in result.json, which only estimate between-window spread."""
    return _rounded(response_time, 10 * bucket_width_ms(response_time))


def _rounded(response_time: int | float, width: float) -> int | float:
    if response_time <= 0:
        return 0
    value = round(round(response_time / width) * width, max(0, 2 - math.floor(math.log10(width))))
    return int(value) if value.is_integer() else value
