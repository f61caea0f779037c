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


def test_the_upkeep_rows_compare_the_first_and_last_warehouse_refresh_beside_the_stream(bench):
    def upkeep(minute, before, after, warehouse_s, compaction_s):
        return bench.Upkeep(minute, dict(zip(("bronze", "silver", "gold"), before)),
                            dict(zip(("bronze", "silver", "gold"), after)), warehouse_s, 1000, compaction_s)

    rounds = [upkeep(5, (300, 300, 300), (1, 1, 1), 2.0, 4.0),
              upkeep(10, (301, 302, 300), (2, 2, 1), 2.5, 6.0),
              upkeep(12, (40, 40, 40), (1, 1, 1), 9.0, 1.0)]  # after the stream stopped: not "beside"
    minutes = bench.per_minute([batch(0, 2.0, 10, [1.0]), batch(70, 2.0, 10, [1.0])])
    args = type("Args", (), {"events": 100, "rate": 10.0, "minutes": 2, "compact_minutes": 5.0})()

    table = dict(line.strip("| ").split(" | ") for line in
                 bench.result_table(args, 1000.0, 10.0, minutes, [], None, "2g", rounds, 20).splitlines()[2:])

    assert table["warehouse refresh beside the stream, every 5 min: first / last round"] == "2.0 s / 2.5 s (+25%)"
    assert table["files of the stream, most before / after a compaction"] == "bronze 301 / 2, silver 302 / 2, gold 300 / 1"
    assert table["compaction of all three layers, median round (grace period apart)"] == "4.0 s"
    assert table["silver after the soak, read as every reader lists it"] == "20 rows, each event once"
