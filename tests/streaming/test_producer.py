"""The producer against the real broker: what it reports is what the broker holds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from jobs.errors import PlatformError
from jobs.model.contracts import TRANSACTION, check_event
from jobs.stream.producer import produce
from jobs.stream.sources import Catalogue, synthetic_transactions
from jobs.stream.topics import ensure_topics, prefixed
from stream_io import raw_message, read_topic

pytestmark = pytest.mark.integration

CATALOGUE = Catalogue(accounts=("A000001", "A000002", "A000003"), products=(("P0001", Decimal("9.99")), ("P0002", Decimal("120.00"))))


def test_count_events_are_sent_keyed_by_account_and_all_acknowledged(local_stack, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(local_stack.kafka.bootstrap_servers, [topic])
    summary = produce(local_stack.kafka.bootstrap_servers, topic, synthetic_transactions(CATALOGUE, seed=3), count=250)
    received = read_topic(local_stack.kafka.bootstrap_servers, topic)
    assert (summary.sent, summary.failed, len(received)) == (250, 0, 250)
    for item in received:
        assert check_event(TRANSACTION, item.value).accepted
        assert item.key.decode() == json.loads(item.value)["account_id"]


def test_a_rate_and_a_duration_bound_the_number_of_events(local_stack, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(local_stack.kafka.bootstrap_servers, [topic])
    summary = produce(local_stack.kafka.bootstrap_servers, topic, synthetic_transactions(CATALOGUE), rate=40, duration_s=1.0)
    # Event i leaves no earlier than i / rate seconds after the start, and none at or after the duration.
    assert 0 < summary.sent <= 40 and summary.failed == 0


def test_a_rate_function_is_asked_after_every_event(local_stack, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(local_stack.kafka.bootstrap_servers, [topic])
    asked = []

    def rate() -> float:  # ten events 0.02 s apart, then one every 0.25 s
        asked.append(1)
        return 50.0 if len(asked) <= 10 else 4.0

    summary = produce(local_stack.kafka.bootstrap_servers, topic, synthetic_transactions(CATALOGUE), rate=rate, duration_s=1.0)
    # The eleventh event is due at 0.2 s, then at most 0.8 s / 0.25 s more: 14 at most, 11 at least.
    assert 11 <= summary.sent <= 14 and summary.failed == 0
    assert len(asked) == summary.sent


def test_events_the_broker_refuses_are_counted_as_failed(local_stack, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(local_stack.kafka.bootstrap_servers, [topic])
    oversized = raw_message(b"x" * 2_000_000)
    stream = synthetic_transactions(CATALOGUE)
    events = [next(stream) for _ in range(5)]
    summary = produce(local_stack.kafka.bootstrap_servers, topic, events[:2] + [oversized] + events[2:])
    assert (summary.sent, summary.failed) == (5, 1)
    assert "too large" in summary.first_error
    assert len(read_topic(local_stack.kafka.bootstrap_servers, topic)) == 5


def test_an_unreachable_broker_is_one_clear_error():
    with pytest.raises(PlatformError, match="no Kafka broker answers at 127.0.0.1:1"):
        produce("127.0.0.1:1", "transactions", [])
