"""The rules applied to each record of a micro-batch, on hand-made Kafka rows (no broker)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from jobs.model.contracts import INVENTORY_MOVEMENT, TRANSACTION
from jobs.stream.classify import DETAIL, REASON, bronze_rows, checked_rows, classify, kafka_rows, silver_rows
from jobs.stream.key_rules import StreamKeys
from stream_io import movement_document, transaction_document, utc_text

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
    return checked_rows(kafka_rows(spark.createDataFrame(rows, KAFKA_SCHEMA)), TRANSACTION)


def _doc(number: int, minutes: float = 0, **changes) -> dict:
    return transaction_document(number, NOW + timedelta(minutes=minutes), **changes)


def _json(document: dict) -> bytes:
    return json.dumps(document).encode()


def _known(accounts=tuple(f"A{n:06d}" for n in range(50)), products=tuple(f"P{n:04d}" for n in range(20)),
           transactions=()):
    """The batch's silver keys, as jobs.stream.silver_keys hands them over."""
    known = {"accounts": frozenset(accounts), "products": frozenset(products)}
    if transactions:
        known["transactions"] = frozenset(transactions)
    return known


def test_each_record_gets_the_first_reason_that_applies(spark):
    kept = _doc(1)
    in_silver = _doc(2)
    late_and_repeated = _doc(3, minutes=-30)
    streamed_before = _doc(14)
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
        (2, _json(_doc(8, account_id="A000099"))),
        (2, _json(_doc(9, account_id="A000099", product_id="P0099"))),  # references in column order
        (2, _json(_doc(10, product_id="P0099"))),
        # A transaction sent again under a fresh event id: earlier in the batch, in the batch's
        # silver, in the stream's silver.
        (3, _json(_doc(11, transaction_id=kept["transaction_id"]))),
        (3, _json(_doc(12, transaction_id="TBATCH1"))),
        (3, _json(_doc(13, transaction_id=streamed_before["transaction_id"]))),
    ]
    seen = StreamKeys({in_silver["event_id"], streamed_before["event_id"]},
                      {in_silver["transaction_id"], streamed_before["transaction_id"]})
    classified = classify(_records(spark, payloads), TRANSACTION, watermark=WATERMARK, max_future=MAX_FUTURE,
                          seen=seen, known=_known(transactions=("TBATCH1",)))
    rows = classified.frame.collect()
    reasons = {(row["kafka_partition"], row["kafka_offset"]): row[REASON] for row in rows}
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
        (2, 2): "unknown_account",
        (2, 3): "unknown_account",
        (2, 4): "unknown_product",
        (3, 0): "duplicate_transaction_id",
        (3, 1): "duplicate_transaction_id",
        (3, 2): "duplicate_transaction_id",
    }
    details = {(row["kafka_partition"], row["kafka_offset"]): row[DETAIL] for row in rows}
    assert details[(2, 2)] == "account_id A000099 is not in silver accounts"
    assert details[(2, 4)] == "product_id P0099 is not in silver products"
    assert details[(3, 0)] == "transaction_id repeats the record at partition 0, offset 0"
    assert details[(3, 1)] == "transaction_id TBATCH1 is already in the batch's silver transactions"
    assert details[(3, 2)] == f"transaction_id {streamed_before['transaction_id']} is already in the stream's silver"


def test_before_the_batch_has_loaded_a_dimension_every_reference_to_it_is_unknown(spark):
    payloads = [(0, _json(_doc(1)))]
    classified = classify(_records(spark, payloads), TRANSACTION, watermark=None, max_future=MAX_FUTURE, seen=StreamKeys(),
                          known={})
    (row,) = classified.frame.collect()
    assert row[REASON] == "unknown_account"
    assert row[DETAIL] == "account_id A000001 is not in silver accounts: the batch pipeline has not loaded it yet"


def test_movements_need_a_known_product_and_have_no_business_key(spark):
    first, other = movement_document(1, NOW), movement_document(2, NOW, product_id="P0099")
    again = {**first, "event_id": str(uuid.uuid4())}
    rows = [(b"P0001", _json(document), "inventory_movements", 0, offset, NOW)
            for offset, document in enumerate((first, other, again))]
    records = checked_rows(kafka_rows(spark.createDataFrame(rows, KAFKA_SCHEMA)), INVENTORY_MOVEMENT)
    classified = classify(records, INVENTORY_MOVEMENT, watermark=None, max_future=MAX_FUTURE, seen=StreamKeys(),
                          known=_known(accounts=()))
    assert [row[REASON] for row in classified.frame.orderBy("kafka_offset").collect()] == [None, "unknown_product", None]


def test_without_a_watermark_nothing_is_late(spark):
    payloads = [(0, _json(_doc(1, minutes=-60 * 24 * 365)))]
    classified = classify(_records(spark, payloads), TRANSACTION, watermark=None, max_future=MAX_FUTURE, seen=StreamKeys(), known=_known())
    assert [row[REASON] for row in classified.frame.collect()] == [None]


def test_accepted_events_reach_silver_typed_as_in_the_payload(spark):
    document = _doc(12, minutes=-1, amount="1234567890.05", quantity=3)
    classified = classify(_records(spark, [(0, _json(document))]), TRANSACTION, watermark=WATERMARK,
                          max_future=MAX_FUTURE, seen=StreamKeys(), known=_known())
    ingest = datetime(2026, 5, 4, 12, 0, 30)
    (row,) = silver_rows(classified.frame, TRANSACTION, 7, ingest).collect()
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
                          max_future=MAX_FUTURE, seen=StreamKeys(), known=_known())
    assert classified.frame.collect()[0]["event_time"] == moment.replace(tzinfo=None)
