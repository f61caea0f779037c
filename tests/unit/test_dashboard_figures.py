"""The dashboard's figures on a warehouse and a stream written here row by row, so every
expected figure is plain arithmetic over the rows put in."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.errors import PlatformError
from jobs.model.contracts import TRANSACTION
from jobs.resources import sql_dir
from jobs.serve.dashboard import figures
from jobs.serve.dashboard import snapshot as snapshot_module
from jobs.serve.dashboard.snapshot import STREAMED_TOPIC, snapshot
from jobs.serve.warehouse import connect
from jobs.stream.layout import stream_layout
from jobs.stream.progress import BatchProgress, write_progress

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 15, 0, 0)  # a Wednesday
EARLIER_WEDNESDAYS = (datetime(2026, 11, 25), datetime(2026, 11, 18))


def _fact(transaction_id: str, at: datetime, amount: str) -> dict:
    return {"transaction_id": transaction_id, "date_key": int(at.strftime("%Y%m%d")), "account_id": "A000001",
            "product_id": "P00001", "amount": Decimal(amount), "quantity": 1, "transaction_ts": at, "channel": "online"}


def _write_warehouse(settings, facts: list[dict], quarantined: list[str]) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with connect(settings.warehouse_path) as connection:
        for ddl in ("star_schema.sql", "operations.sql"):
            connection.execute((sql_dir() / "ddl" / ddl).read_text())
        for fact in facts:
            connection.execute("INSERT INTO fact_transaction VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(fact.values()))
        for reason in quarantined:
            connection.execute("INSERT INTO quarantine VALUES ('transactions', ?, '{}', 'f.csv', 'b1')", [reason])


def _write_stream_batch(settings, batch_id: int, facts: list[dict], produced: list[datetime], rejected: list[str],
                        progress: bool = True, seconds: float = 1.0, freshness: dict[int, int] | None = None) -> None:
    """What the stream leaves for one micro-batch: gold facts, bronze records, quarantine, then progress."""
    layout = stream_layout(settings, STREAMED_TOPIC, TRANSACTION)
    gold = f"{layout.gold}/batch_id={batch_id}"
    bronze = f"{layout.bronze}/event_date=2026-12-02/batch_id={batch_id}"
    for folder in (gold, bronze, layout.quarantine):
        pa.fs.LocalFileSystem().create_dir(folder, recursive=True)
    facts_table = pa.Table.from_pylist(facts, schema=pa.schema([
        ("transaction_id", pa.string()), ("date_key", pa.int32()), ("account_id", pa.string()), ("product_id", pa.string()),
        ("amount", pa.decimal128(12, 2)), ("quantity", pa.int32()), ("transaction_ts", pa.timestamp("us")),
        ("channel", pa.string())]))
    pq.write_table(facts_table, f"{gold}/part-0.parquet")
    pq.write_table(pa.table({"kafka_timestamp": pa.array(produced, pa.timestamp("us")),
                             "ingest_time": pa.array([NOW] * len(produced), pa.timestamp("us"))}), f"{bronze}/part-0.parquet")
    if rejected:
        pq.write_table(pa.table({"dataset": ["stream_transactions"] * len(rejected), "reason": rejected}),
                       f"{layout.quarantine}/part-{batch_id:012d}.parquet")
    if progress:
        write_progress(settings, layout.progress, BatchProgress(
            batch_id=batch_id, max_event_time=max(fact["transaction_ts"] for fact in facts), offsets={"0": 1},
            finished_at=NOW - timedelta(seconds=4), counts={"rows_in": len(produced)},
            started_at=NOW - timedelta(seconds=4 + seconds), freshness=freshness or {}))


@pytest.fixture
def platform(local_settings):
    """History on two earlier Wednesdays and this morning in the warehouse; two finished stream
    batches (one repeats a warehouse fact); a third batch still being written (no progress)."""
    first, second = EARLIER_WEDNESDAYS
    _write_warehouse(local_settings, [
        _fact("T1", first.replace(hour=9), "100.00"),
        _fact("T2", first.replace(hour=18), "999.00"),  # after 15:00: not in "so far"
        _fact("T3", second.replace(hour=14, minute=59), "50.00"),
        _fact("T4", datetime(2026, 11, 24, 10), "777.00"),  # a Tuesday
        _fact("T5", NOW.replace(hour=8), "20.00"),
    ], quarantined=["unknown_account", "unknown_account", "negative_amount"])
    _write_stream_batch(local_settings, 0, [_fact("T5", NOW.replace(hour=8), "20.00"),
                                            _fact("S1", NOW - timedelta(minutes=5), "7.50")],
                        produced=[NOW - timedelta(minutes=5), NOW - timedelta(minutes=5, seconds=30)],
                        rejected=["schema_violation"], seconds=2.0, freshness={12: 2})
    _write_stream_batch(local_settings, 1, [_fact("S2", NOW - timedelta(seconds=40), "2.25")],
                        produced=[NOW - timedelta(seconds=40), NOW - timedelta(seconds=50), NOW - timedelta(minutes=45)],
                        rejected=["late_event", "schema_violation"], seconds=3.0, freshness={8: 1, 31: 1})
    _write_stream_batch(local_settings, 2, [_fact("S3", NOW - timedelta(seconds=10), "1000.00")],
                        produced=[NOW - timedelta(seconds=10)], rejected=["late_event"], progress=False)
    return local_settings


def test_the_overview_counts_today_from_the_warehouse_and_the_finished_stream_batches_once_each(platform):
    with snapshot(platform) as snap:
        view = figures.overview(snap, NOW)
    assert view.revenue_today == pytest.approx(20.00 + 7.50 + 2.25)  # T5 once; S3's batch is not finished
    assert view.weekday_average == pytest.approx((100.00 + 50.00) / 2)  # Wednesdays up to 15:00, Tuesday not
    assert view.weekday_days == 2
    assert view.events_last_minute == 2  # 40 s and 50 s ago; 10 s ago is in the unfinished batch
    assert int(view.events_per_minute.events.sum()) == 4  # 45 minutes ago is outside the chart's 30
    assert view.freshness == timedelta(seconds=40)
    assert view.stream.last_batch == 1
    assert view.dead_letters == {"late_event": 1, "schema_violation": 2}
    assert view.quarantine == {"negative_amount": 1, "unknown_account": 2}


def test_the_overview_reads_only_the_stream_batches_after_the_last_one_the_warehouse_loaded(platform, monkeypatch):
    # As if the warehouse's last refresh had loaded batch 0 (T5 and S1): its file is not read again.
    monkeypatch.setattr(snapshot_module, "loaded_batch", lambda settings, table: 0)
    layout = stream_layout(platform, STREAMED_TOPIC, TRANSACTION)
    (Path(layout.gold) / "batch_id=0" / "part-0.parquet").write_bytes(b"not parquet: never read")
    with snapshot(platform) as snap:
        view = figures.overview(snap, NOW)
    assert view.revenue_today == pytest.approx(20.00 + 2.25)  # S1 is left to the warehouse, which holds batch 0


def test_the_overview_shows_the_stream_s_last_minute_from_its_batches_progress(platform):
    with snapshot(platform) as snap:
        now, later = figures.overview(snap, NOW), figures.overview(snap, NOW + timedelta(minutes=2))
    minute = now.stream_last_minute
    assert (minute.batches, minute.events_per_second, minute.median_batch_seconds) == (2, (2 + 3) / 60, 2.5)
    # 0.8, 1.2, 1.2 and 3.1 s: the 2nd of 4 is the median, the 4th both tails (nearest rank)
    assert minute.freshness == {"p50": 1.2, "p95": 3.1, "p99": 3.1}
    assert later.stream_last_minute.batches == 0  # both finished more than a minute before


def test_without_a_stream_the_overview_shows_the_warehouse_alone(local_settings):
    _write_warehouse(local_settings, [_fact("T5", NOW.replace(hour=8), "20.00")], quarantined=[])
    with snapshot(local_settings) as snap:
        view = figures.overview(snap, NOW)
    assert (view.revenue_today, view.weekday_average, view.weekday_days) == (20.0, None, 0)
    assert (view.events_last_minute, view.freshness, view.stream.last_batch, view.dead_letters) == (0, None, None, {})


def test_a_missing_warehouse_is_one_line_saying_what_to_run(local_settings):
    with pytest.raises(PlatformError, match=r"no warehouse at .*: run `make demo`"), snapshot(local_settings):
        pass


def test_report_filters_keep_the_chosen_values_and_the_period():
    frame = pd.DataFrame({"period_start": pd.to_datetime(["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-03"]),
                          "category": ["Books", "Toys", "Books", "Garden"], "revenue": [1.0, 2.0, 4.0, 8.0]})
    assert figures.time_column(frame) == "period_start"
    assert figures.filter_choices(frame) == {"category": ["Books", "Garden", "Toys"]}
    assert figures.apply_filters(frame, {"category": []}).revenue.sum() == 15.0
    assert figures.apply_filters(frame, {"category": ["Books", "Toys"]}).revenue.sum() == 7.0
    period = (datetime(2026, 6, 2), datetime(2026, 6, 3, 23, 59))
    assert figures.apply_filters(frame, {"category": ["Books"]}, period).revenue.sum() == 4.0
