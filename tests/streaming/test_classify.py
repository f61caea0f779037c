"""The rules applied to each record of a micro-batch, on hand-made Kafka rows (no broker)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from jobs.model.contracts import TRANSACTION
from jobs.stream.classify import REASON, bronze_rows, classify, kafka_rows, silver_rows
from stream_io import transaction_document, utc_text

pytestmark = pytest.mark.spark

KAFKA_SCHEMA = "key binary, value binary, topic string, partition int, offset long, timestamp timestamp"
NOW = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)
WATERMARK = datetime(2026, 5, 4, 11, 50, 0)  # naive UTC, as the job passes it
MAX_FUTURE = timedelta(minutes=5)


def _records(spark, payloads: list[tuple[int, bytes]], kafka_time: datetime = NOW):
    """One Kafka row per (partition, payload); offsets count up per partition."""
    offsets: dict[int, int] = {}
    rows = []
    for partition, payload in payloads:
        offset = offsets.get(partition, 0)
        offsets[partition] = offset + 1
        rows.append((b"A000001", payload, "transactions", partition, offset, kafka_time))
    return kafka_rows(spark.createDataFrame(rows, KAFKA_SCHEMA))


def _doc(number: int, minutes: float = 0, **changes) -> dict:
    return transaction_document(number, NOW + timedelta(minutes=minutes), **changes)


def _json(document: dict) -> bytes:
    return json.dumps(document).encode()


def test_each_record_gets_the_first_reason_that_applies(spark):
    kept = _doc(1)
    in_silver = _doc(2)
    late_and_repeated = _doc(3, minutes=-30)
    payloads = [
        (0, _json(kept)),
        (0, b'{"event_id": '),
        (0, _json(_doc(4, event_version=3))),
        (0, _json(_doc(5, amount="-1.00"))),
        (1, _json(_doc(6, minutes=6))),  # beyond the 5 minutes allowed after the Kafka timestamp
        (1, _json(late_and_repeated)),
        (1, _json(late_and_repeated)),
        (1, _json(in_silver)),
        (2, _json({**kept, "amount": "99.99"})),  # same event_id, other content, later partition
        (2, _json(_doc(7, minutes=-9))),  # older than NOW but after the watermark
    ]
    seen = spark.createDataFrame([(in_silver["event_id"],)], "event_id string")
    classified = classify(_records(spark, payloads), TRANSACTION, watermark=WATERMARK, max_future=MAX_FUTURE,
                          seen_event_ids=seen)
    reasons = {(row["kafka_partition"], row["kafka_offset"]): row[REASON] for row in classified.collect()}
    assert reasons == {
        (0, 0): None,
        (0, 1): "malformed_json",
        (0, 2): "unknown_event_version",
        (0, 3): "schema_violation",
        (1, 0): "event_time_in_future",
        (1, 1): "late_event",
        (1, 2): "late_event",
        (1, 3): "duplicate_event",
        (2, 0): "duplicate_event",
        (2, 1): None,
    }


def test_without_a_watermark_nothing_is_late(spark):
    payloads = [(0, _json(_doc(1, minutes=-60 * 24 * 365)))]
    classified = classify(_records(spark, payloads), TRANSACTION, watermark=None, max_future=MAX_FUTURE, seen_event_ids=None)
    assert [row[REASON] for row in classified.collect()] == [None]


def test_accepted_events_reach_silver_typed_as_in_the_payload(spark):
    document = _doc(12, minutes=-1, amount="1234567890.05", quantity=3)
    classified = classify(_records(spark, [(0, _json(document))]), TRANSACTION, watermark=WATERMARK,
                          max_future=MAX_FUTURE, seen_event_ids=None)
    ingest = datetime(2026, 5, 4, 12, 0, 30)
    (row,) = silver_rows(classified, TRANSACTION, 7, ingest).collect()
    event_time = (NOW - timedelta(minutes=1)).replace(tzinfo=None)
    assert row["event_id"] == document["event_id"]
    assert row["amount"] == Decimal("1234567890.05") and row["quantity"] == 3
    assert row["event_time"] == row["transaction_ts"] == event_time
    assert (row["kafka_partition"], row["kafka_offset"], row["kafka_timestamp"]) == (0, 0, NOW.replace(tzinfo=None))
    assert (row["ingest_time"], row["event_date"], row["batch_id"]) == (ingest, date(2026, 5, 4), 7)


def test_bronze_keeps_every_record_byte_for_byte_and_dates_it(spark):
    yesterday = _doc(1, minutes=-60 * 24)
    payloads = [(0, _json(yesterday)), (0, b"\xff not json"), (1, _json(_doc(2, event_time="garbage")))]
    bronze = bronze_rows(_records(spark, payloads), 3, datetime(2026, 5, 4, 12, 1)).orderBy("kafka_partition", "kafka_offset")
    rows = bronze.collect()
    assert [bytes(row["value"]) for row in rows] == [payload for _, payload in payloads]
    # The day the event claims when it claims one that parses, else the day of its Kafka timestamp.
    assert [row["event_date"] for row in rows] == [date(2026, 5, 3), date(2026, 5, 4), date(2026, 5, 4)]
    assert {row["batch_id"] for row in rows} == {3}


def test_the_contract_timestamp_text_is_read_as_utc(spark):
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    document = transaction_document(1, moment)
    assert document["event_time"] == utc_text(moment)
    classified = classify(_records(spark, [(0, _json(document))], kafka_time=moment), TRANSACTION, watermark=None,
                          max_future=MAX_FUTURE, seen_event_ids=None)
    assert classified.collect()[0]["event_time"] == moment.replace(tzinfo=None)
