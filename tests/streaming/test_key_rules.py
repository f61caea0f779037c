"""The key rules of a micro-batch on hand-made records (no Spark), and the stream's own keys
kept between micro-batches."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.model.contracts import TRANSACTION
from jobs.model.references import INVENTORY_RULES, TRANSACTION_RULES
from jobs.stream.key_rules import KeyRecord, StreamKeys, judge, spark_text
from jobs.stream.layout import stream_layout
from jobs.stream.recent_keys import RecentKeys

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 4, 12, 0, 0)
WATERMARK = datetime(2026, 5, 4, 11, 50, 0)
KNOWN = {"accounts": frozenset({"A1", "A2"}), "products": frozenset({"P1"}), "transactions": frozenset({"T900"})}


def _record(partition: int, offset: int, event_id: str, *, minutes: float = 0, transaction: str | None = None,
            account: str = "A1", product: str = "P1", reason: str | None = None) -> KeyRecord:
    keys = {"account_id": account, "product_id": product, "transaction_id": transaction or f"T-{event_id}"}
    return KeyRecord(partition, offset, NOW, NOW + timedelta(minutes=minutes), event_id, keys, reason)


def _verdicts(records: list[KeyRecord]) -> dict[tuple[int, int], str | None]:
    return {record.position: record.reason for record in records}


def test_each_record_gets_the_first_key_rule_it_breaks_in_kafka_order():
    records = [
        _record(1, 0, "e-late", minutes=-11, account="A404"),  # late before its unknown account
        _record(0, 1, "e-first"),
        _record(0, 0, "e-broken", reason="schema_violation"),  # the contract's verdict stays
        _record(0, 2, "e-first", transaction="T-other"),  # repeats (0, 1): a later position
        _record(2, 0, "e-seen"),
        _record(2, 1, "e-future", minutes=6),
        _record(2, 2, "e-account", account="A404", product="P404"),
        _record(3, 0, "e-again", transaction="T-e-first"),
        _record(3, 1, "e-batch", transaction="T900"),
        _record(3, 2, "e-stream", transaction="T-streamed"),
    ]
    judge(records, TRANSACTION_RULES, watermark=WATERMARK, max_future=timedelta(minutes=5),
          seen=StreamKeys({"e-seen"}, {"T-streamed"}), known=KNOWN)

    assert [record.position for record in records] == sorted(record.position for record in records)
    assert _verdicts(records) == {
        (0, 0): "schema_violation", (0, 1): None, (0, 2): "duplicate_event", (1, 0): "late_event",
        (2, 0): "duplicate_event", (2, 1): "event_time_in_future", (2, 2): "unknown_account",
        (3, 0): "duplicate_transaction_id", (3, 1): "duplicate_transaction_id", (3, 2): "duplicate_transaction_id",
    }
    details = {record.position: record.detail for record in records}
    assert details[(0, 2)] == "event_id repeats the record at partition 0, offset 1"
    assert details[(1, 0)] == "event_time 2026-05-04 11:49:00 is older than the watermark 2026-05-04 11:50:00"
    assert details[(2, 1)] == "event_time 2026-05-04 12:06:00 is more than 300 s after the Kafka timestamp 2026-05-04 12:00:00"
    assert details[(2, 2)] == "account_id A404 is not in silver accounts"
    assert details[(3, 0)] == "transaction_id repeats the record at partition 0, offset 1"
    assert details[(3, 1)] == "transaction_id T900 is already in the batch's silver transactions"
    assert details[(3, 2)] == "transaction_id T-streamed is already in the stream's silver"


def test_a_record_rejected_for_another_reason_is_not_the_first_of_its_key():
    records = [_record(0, 0, "e-1", account="A404"), _record(0, 1, "e-1")]
    judge(records, TRANSACTION_RULES, watermark=None, max_future=timedelta(minutes=5), seen=StreamKeys(), known=KNOWN)
    # The event_id rule runs before the references: the second is a repeat of the first.
    assert _verdicts(records) == {(0, 0): "unknown_account", (0, 1): "duplicate_event"}

    records = [_record(0, 0, "e-1", account="A404", transaction="T7"), _record(0, 1, "e-2", transaction="T7")]
    judge(records, TRANSACTION_RULES, watermark=None, max_future=timedelta(minutes=5), seen=StreamKeys(), known=KNOWN)
    # The business key runs after the references: the rejected first does not hold T7.
    assert _verdicts(records) == {(0, 0): "unknown_account", (0, 1): None}


def test_without_a_dimension_in_silver_every_reference_to_it_is_unknown_and_movements_have_no_business_key():
    records = [_record(0, 0, "e-1", transaction="T1"), _record(0, 1, "e-2", transaction="T1")]
    judge(records, INVENTORY_RULES, watermark=None, max_future=timedelta(minutes=5), seen=StreamKeys(),
          known={"accounts": KNOWN["accounts"]})
    assert [record.detail for record in records] == \
        ["product_id P1 is not in silver products: the batch pipeline has not loaded it yet"] * 2


def test_timestamps_read_as_spark_prints_them():
    assert spark_text(datetime(2026, 5, 4, 12, 0)) == "2026-05-04 12:00:00"
    assert spark_text(datetime(2026, 5, 4, 12, 0, 10, 120000)) == "2026-05-04 12:00:10.12"


def _write_silver_batch(silver: str, batch_id: int, rows: list[tuple[str, datetime, str]]) -> None:
    """rows: (event_id, event_time, transaction_id), written as the stream lays silver out."""
    for day in sorted({event_time.date() for _, event_time, _ in rows}):
        folder = f"{silver}/event_date={day.isoformat()}/batch_id={batch_id}"
        on_day = [row for row in rows if row[1].date() == day]
        table = pa.table({"event_id": [row[0] for row in on_day],
                          "event_time": pa.array([row[1] for row in on_day], pa.timestamp("us")),
                          "transaction_id": [row[2] for row in on_day]})
        Path(folder).mkdir(parents=True)
        pq.write_table(table, f"{folder}/part-00000.snappy.parquet")


def test_the_keys_in_memory_are_those_silver_holds_before_the_batch(local_settings):
    silver = stream_layout(local_settings, "transactions", TRANSACTION).silver
    before_midnight = datetime(2026, 5, 3, 23, 58)
    batches = {
        0: [("e-old", before_midnight - timedelta(minutes=30), "T-old"), ("e-0", before_midnight, "T-0")],
        1: [("e-1", before_midnight + timedelta(minutes=4), "T-1")],
        2: [("e-2", before_midnight + timedelta(minutes=15), "T-2")],
    }
    watermarks = {1: before_midnight - timedelta(minutes=10), 2: before_midnight - timedelta(minutes=6),
                  3: before_midnight + timedelta(minutes=5)}
    in_memory = RecentKeys(local_settings, silver, "transaction_id")
    assert in_memory.before(0, None) == StreamKeys()
    for batch_id, rows in batches.items():
        _write_silver_batch(silver, batch_id, rows)
        in_memory.add(batch_id, [KeyRecord(0, 0, NOW, event_time, event_id, {"transaction_id": transaction})
                                 for event_id, event_time, transaction in rows])
        following = batch_id + 1
        from_memory = in_memory.before(following, watermarks[following])
        # A new process (or a batch run again) reads silver's batches before it instead.
        from_silver = RecentKeys(local_settings, silver, "transaction_id").before(following, watermarks[following])
        expected = [row for earlier in range(following) for row in batches[earlier] if row[1] >= watermarks[following]]
        assert (set(from_memory.event_ids), set(from_memory.business_keys)) == \
            ({row[0] for row in expected}, {row[2] for row in expected})
        assert (set(from_silver.event_ids), set(from_silver.business_keys)) == \
            (set(from_memory.event_ids), set(from_memory.business_keys))
    # Batch 2 run again: its own first attempt does not count.
    again = in_memory.before(2, watermarks[2])
    assert set(again.event_ids) == {"e-0", "e-1"}
