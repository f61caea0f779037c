"""bench/bench_streaming.py's arithmetic on hand-made batches: it runs only at the end of a soak
that takes ten minutes or more, so a mistake there would cost the whole run."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from jobs.stream.batch import BatchReport
from jobs.stream.freshness import histogram

pytestmark = pytest.mark.unit

START = datetime(2026, 7, 1, 12, 0, 0)


@pytest.fixture(scope="module")
def bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_streaming.py"
    spec = importlib.util.spec_from_file_location("bench_streaming", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def batch(started_s: float, seconds: float, rows: int, freshness: list[float]) -> BatchReport:
    started = START + timedelta(seconds=started_s)
    return BatchReport("transactions", 0, rows, rows, started_at=started,
                       finished_at=started + timedelta(seconds=seconds), freshness=histogram(freshness))


def test_batches_fall_into_the_minute_they_finished_in_with_their_merged_percentiles(bench):
    reports = [
        batch(0, 2.0, 10, [1.0, 1.0, 3.0]),
        batch(30, 4.0, 20, [2.0]),
        batch(58, 3.0, 5, [5.0]),      # ends at 61 s: the second minute
        batch(100, 1.0, 0, []),        # nothing read: not counted
        batch(119, 0.5, 7, [0.5, 0.5]),
    ]
    minutes = bench.per_minute(reports)

    assert [(m.index, m.batches, m.events) for m in minutes] == [(1, 2, 30), (2, 2, 12)]
    first, second = minutes
    # First minute: freshness 1.0, 1.0, 2.0, 3.0 -> p50 is the 2nd of 4, p95 and p99 the 4th.
    assert (first.p50, first.p95, first.p99) == (1.0, 3.0, 3.0)
    assert first.median_batch_seconds == 3.0  # batches of 2 s and 4 s
    # Second minute: 0.5, 0.5, 5.0.
    assert (second.p50, second.p95, second.p99) == (0.5, 5.0, 5.0)
    assert second.median_batch_seconds == 1.75  # batches of 3 s and 0.5 s
