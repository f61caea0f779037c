"""The streaming job against the real broker and the S3 emulator, in this process (`--once`)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from jobs.model.contracts import INVENTORY_MOVEMENT
from jobs.stream.batch import BatchReport, StreamOptions
from jobs.stream.dead_letters import REASON_HEADER, SOURCE_HEADER
from jobs.stream.job import run_stream
from jobs.stream.layout import stream_layout
from jobs.stream.producer import produce
from jobs.stream.status import stream_status
from jobs.stream.topics import EVENT_TOPICS, dead_letter_topic, ensure_topics, prefixed
from stream_io import message, movement_document, raw_message, read_lake, read_topic, transaction_document

pytestmark = [pytest.mark.integration, pytest.mark.spark]


def _send(settings, topic: str, messages) -> None:
    summary = produce(settings.kafka.bootstrap_servers, topic, messages)
    assert (summary.sent, summary.failed) == (len(messages), 0)


def _stream_once(settings, prefix: str, topics=("transactions",), **options) -> list[BatchReport]:
    reports: list[BatchReport] = []
    run_stream(settings, list(topics), StreamOptions(once=True, topic_prefix=prefix, **options), on_batch=reports.append)
    return reports


def _column(settings, uri: str, column: str) -> list:
    table = read_lake(settings, uri)
    return sorted(table.column(column).to_pylist()) if table is not None else []


def _layout(settings, topic: str = "transactions"):
    return stream_layout(settings, topic, EVENT_TOPICS[topic])


def test_valid_events_land_once_in_silver_and_gold_even_when_sent_twice(stream_settings, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(stream_settings.kafka.bootstrap_servers, [topic])
    documents = [transaction_document(number) for number in range(300)]
    messages = [message(document) for document in documents]
    layout = _layout(stream_settings)

    _send(stream_settings, topic, messages)
    first = _stream_once(stream_settings, topic_prefix)
    _send(stream_settings, topic, messages)
    reports = _stream_once(stream_settings, topic_prefix)

    produced_ids = sorted(document["event_id"] for document in documents)
    assert _column(stream_settings, layout.silver, "event_id") == produced_ids
    assert _column(stream_settings, layout.gold, "transaction_id") == sorted(d["transaction_id"] for d in documents)
    assert len(_column(stream_settings, layout.bronze, "kafka_offset")) == 600
    assert sum(report.rejected.get("duplicate_event", 0) for report in reports) == 300
    assert _column(stream_settings, layout.quarantine, "reason") == ["duplicate_event"] * 300
    assert read_topic(stream_settings.kafka.bootstrap_servers, dead_letter_topic(topic)) == []
    now = datetime.now(UTC).replace(tzinfo=None)
    (status,) = stream_status(stream_settings, ["transactions"], topic_prefix, now=now)
    assert (status.last_batch, status.lag, status.counts["duplicate_event"]) == (reports[-1].batch_id, 0, 300)
    # The last minute, recounted from the runs' reports and from silver's Kafka timestamps.
    in_window = {report.batch_id: report for report in first + reports if report.finished_at >= now - timedelta(minutes=1)}
    assert status.last_minute.batches == len(in_window)
    assert status.last_minute.events_per_second == pytest.approx(sum(r.rows_in for r in in_window.values()) / 60)
    silver = read_lake(stream_settings, layout.silver)
    freshness = sorted((in_window[batch].finished_at - produced).total_seconds() for batch, produced in
                       zip(silver.column("batch_id").to_pylist(), silver.column("kafka_timestamp").to_pylist(), strict=True)
                       if batch in in_window)
    for share in (50, 95, 99):
        # Times are whole microseconds: round away float noise before taking the tenth above.
        expected = math.ceil(round(freshness[math.ceil(share / 100 * len(freshness)) - 1] * 10, 6)) / 10 if freshness else None
        assert status.last_minute.freshness[f"p{share}"] == pytest.approx(expected)


def test_bad_events_go_to_the_dead_letter_topic_and_quarantine_with_their_reason(stream_settings, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(stream_settings.kafka.bootstrap_servers, [topic])
    good = [transaction_document(number) for number in range(40)]
    bad = {
        b'{"event_id": "0f6c", "amount": ': "malformed_json",
        b"\xff\xfe\x00 binary": "malformed_json",
        b"": "malformed_json",
        json.dumps(transaction_document(900, amount="-1.00")).encode(): "schema_violation",
        json.dumps({k: v for k, v in transaction_document(901).items() if k != "channel"}).encode(): "schema_violation",
        json.dumps(transaction_document(902, coupon="X")).encode(): "schema_violation",
        json.dumps([transaction_document(903)]).encode(): "schema_violation",
        json.dumps(transaction_document(904, event_version=2)).encode(): "unknown_event_version",
        json.dumps(transaction_document(905, event_version=99)).encode(): "unknown_event_version",
    }
    good_messages = [message(document) for document in good]
    _send(stream_settings, topic, good_messages[:20] + [raw_message(payload) for payload in bad] + good_messages[20:])

    _stream_once(stream_settings, topic_prefix)

    layout = _layout(stream_settings)
    letters = read_topic(stream_settings.kafka.bootstrap_servers, dead_letter_topic(topic))
    assert sorted((letter.value or b"", letter.headers[REASON_HEADER]) for letter in letters) == sorted(bad.items())
    assert all(letter.headers[SOURCE_HEADER].startswith(topic + "/") for letter in letters)
    quarantine = read_lake(stream_settings, layout.quarantine)
    expected = sorted((payload.decode("utf-8", errors="replace"), reason) for payload, reason in bad.items())
    assert sorted(zip(quarantine.column("record").to_pylist(), quarantine.column("reason").to_pylist(), strict=True)) == expected
    assert _column(stream_settings, layout.silver, "event_id") == sorted(document["event_id"] for document in good)


def test_late_events_beyond_the_watermark_are_dead_lettered_not_merged(stream_settings, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(stream_settings.kafka.bootstrap_servers, [topic])
    delay = timedelta(seconds=60)
    # Event times from one instant, so what is late does not depend on how long the first run takes.
    newest = datetime.now(UTC)
    on_time = [transaction_document(number, newest) for number in range(20)]
    _send(stream_settings, topic, [message(document) for document in on_time])
    _stream_once(stream_settings, topic_prefix, watermark_delay=delay)

    # The watermark is now a minute before the newest event above.
    late = [transaction_document(100 + number, newest - timedelta(minutes=5)) for number in range(5)]
    within = [transaction_document(200 + number, newest - timedelta(seconds=20)) for number in range(5)]
    _send(stream_settings, topic, [message(document) for document in late + within])
    _stream_once(stream_settings, topic_prefix, watermark_delay=delay)

    layout = _layout(stream_settings)
    assert _column(stream_settings, layout.silver, "event_id") == sorted(d["event_id"] for d in on_time + within)
    letters = read_topic(stream_settings.kafka.bootstrap_servers, dead_letter_topic(topic))
    assert sorted((json.loads(letter.value)["event_id"], letter.headers[REASON_HEADER]) for letter in letters) == \
        sorted((document["event_id"], "late_event") for document in late)
    assert _column(stream_settings, layout.quarantine, "reason") == ["late_event"] * 5


def test_both_topics_stream_together_and_movements_stay_in_silver(stream_settings, topic_prefix):
    topics = [prefixed(topic, topic_prefix) for topic in EVENT_TOPICS]
    ensure_topics(stream_settings.kafka.bootstrap_servers, topics)
    movements = [movement_document(number) for number in range(30)]
    transactions = [transaction_document(number) for number in range(10)]
    _send(stream_settings, topics[1], [message(document, INVENTORY_MOVEMENT.key_field) for document in movements]
          + [raw_message(json.dumps(movement_document(99, quantity_delta=0)).encode(), key="P0001")])
    _send(stream_settings, topics[0], [message(document) for document in transactions])

    reports = _stream_once(stream_settings, topic_prefix, topics=tuple(EVENT_TOPICS))

    movement_layout = _layout(stream_settings, "inventory_movements")
    assert movement_layout.gold is None
    assert _column(stream_settings, movement_layout.silver, "event_id") == sorted(d["event_id"] for d in movements)
    assert _column(stream_settings, movement_layout.silver, "quantity_delta") == sorted(d["quantity_delta"] for d in movements)
    assert _column(stream_settings, _layout(stream_settings).silver, "event_id") == sorted(d["event_id"] for d in transactions)
    assert {report.topic for report in reports} == set(topics)


def test_the_stream_keeps_the_batchs_rules_for_references_and_transaction_ids(stream_settings, topic_prefix):
    # As a user would send them, with a plain producer: a transaction on an account and one for a
    # product the batch's silver does not have, and a transaction sent again with a fresh event id
    # and another amount.
    from confluent_kafka import Producer

    topic = prefixed("transactions", topic_prefix)
    ensure_topics(stream_settings.kafka.bootstrap_servers, [topic])
    kept = transaction_document(1)
    documents = {
        "kept": kept,
        "unknown_account": transaction_document(2, account_id="A000777"),
        "unknown_product": transaction_document(3, product_id="P0777"),
        "duplicate_transaction_id": transaction_document(4, transaction_id=kept["transaction_id"],
                                                         account_id=kept["account_id"], amount="999.00"),
    }
    producer = Producer({"bootstrap.servers": stream_settings.kafka.bootstrap_servers})
    for document in documents.values():
        producer.produce(topic, key=document["account_id"], value=json.dumps(document))
    assert producer.flush(30) == 0

    _stream_once(stream_settings, topic_prefix)

    layout = _layout(stream_settings)
    assert _column(stream_settings, layout.silver, "event_id") == [kept["event_id"]]
    gold = read_lake(stream_settings, layout.gold)
    assert [(row["transaction_id"], str(row["amount"])) for row in gold.to_pylist()] == [(kept["transaction_id"], kept["amount"])]
    quarantine = read_lake(stream_settings, layout.quarantine)
    by_event = {json.loads(row["record"])["event_id"]: row["reason"] for row in quarantine.to_pylist()}
    assert by_event == {documents[reason]["event_id"]: reason for reason in documents if reason != "kept"}
    # A fact before its dimension row is a dead letter, to be produced again once the batch has
    # loaded the row; a repeat is not: its first copy is in silver.
    letters = read_topic(stream_settings.kafka.bootstrap_servers, dead_letter_topic(topic))
    assert sorted((json.loads(letter.value)["event_id"], letter.headers[REASON_HEADER]) for letter in letters) == \
        sorted((documents[reason]["event_id"], reason) for reason in ("unknown_account", "unknown_product"))
