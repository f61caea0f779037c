"""Freshness histograms and the last minute of `rtdp stream status`, on hand-made figures."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest

from jobs.stream.freshness import histogram, merged, percentile
from jobs.stream.progress import BatchProgress
from jobs.stream.status import activity

pytestmark = pytest.mark.unit


def test_each_event_counts_in_the_tenth_of_a_second_it_reached():
    assert histogram([0.05, 0.1, 0.11, 2.0, 0.3, -0.2]) == {1: 2, 2: 1, 3: 1, 20: 1, 0: 1}
    assert percentile({}, 0.5) is None


def test_merged_percentiles_are_those_of_all_the_events_to_a_tenth_of_a_second():
    rng = random.Random(7)
    batches = [[rng.expovariate(1 / 1.5) for _ in range(rng.randint(0, 400))] for _ in range(60)]
    every = sorted(value for batch in batches for value in batch)
    counts = merged(histogram(batch) for batch in batches)
    for share in (0.5, 0.95, 0.99, 1.0):
        nearest_rank = every[math.ceil(share * len(every)) - 1]
        assert percentile(counts, share) == pytest.approx(math.ceil(nearest_rank * 10) / 10)


def test_the_activity_of_a_window_counts_its_batches_records_times_and_freshness():
    start = datetime(2026, 5, 4, 12, 0, 0)

    def batch(number: int, seconds: float, rows: int, freshness: dict[int, int]) -> BatchProgress:
        began = start + timedelta(seconds=10 * number)
        return BatchProgress(batch_id=number, max_event_time=None, offsets={}, finished_at=began + timedelta(seconds=seconds),
                             counts={"rows_in": rows, "silver": rows}, started_at=began, freshness=freshness)

    window = activity([batch(0, 1.0, 300, {12: 300}), batch(1, 3.0, 600, {15: 500, 40: 100}), batch(2, 2.0, 0, {})],
                      timedelta(minutes=1))
    assert (window.batches, window.events_per_second, window.median_batch_seconds) == (3, 15.0, 2.0)
    # 900 events: the 450th is in 1.5 s, the 855th and the 891st in 4.0 s.
    assert window.freshness == {"p50": 1.5, "p95": 4.0, "p99": 4.0}
    assert activity([], timedelta(minutes=1)).batches == 0
