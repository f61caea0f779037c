"""Freshness of streamed events: seconds from an event's Kafka timestamp (when it was produced)
to the end of the micro-batch that wrote it to silver.

Each micro-batch records a histogram in tenths of a second (bucket k holds the events that took
more than (k-1)/10 and at most k/10 s), so the percentiles of any set of batches, a minute of
`rtdp stream status` or an hour of `make bench-stream`, merge exactly to a tenth of a second.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping


def histogram(seconds: Iterable[float]) -> dict[int, int]:
    """Events per tenth of a second, rounded up (a negative time, from clock skew, counts as 0)."""
    return dict(Counter(max(math.ceil(round(value * 10, 6)), 0) for value in seconds))


def merged(histograms: Iterable[Mapping[int, int]]) -> Counter:
    total: Counter = Counter()
    for counts in histograms:
        total.update(counts)
    return total


def percentile(counts: Mapping[int, int], share: float) -> float | None:
    """The smallest time (s) at or under which `share` of the events arrived; None without events."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank, seen = math.ceil(share * total), 0
    for tenths in sorted(counts):
        seen += counts[tenths]
        if seen >= rank:
            return tenths / 10
    return max(counts) / 10


def seconds_text(value: float | None) -> str:
    """A time of the stream's figures as shown (a tenth of a second), "-" when there is none."""
    return "-" if value is None else f"{value:.1f} s"
