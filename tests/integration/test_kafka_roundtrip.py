"""Keyed JSON events through the real broker: exactly what was acknowledged comes back, in order."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest

from jobs.operate.stack import stack_down, stack_up
from jobs.operate.stack.roundtrip import Event, consume_events, create_topic, make_events, produce_events, run_roundtrip

pytestmark = pytest.mark.integration

PARTITIONS = 3


def _fresh_topic(bootstrap: str) -> str:
    topic = f"test-{uuid.uuid4().hex[:10]}"
    assert create_topic(bootstrap, topic, partitions=PARTITIONS) is True
    return topic


def _ids_by_key(events) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for event in events:
        by_key[event.key].append(event.value["event_id"])
    return dict(by_key)


def test_create_topic_twice_reports_that_it_exists(local_stack):
    bootstrap = local_stack.kafka.bootstrap_servers
    topic = _fresh_topic(bootstrap)
    assert create_topic(bootstrap, topic, partitions=PARTITIONS) is False


def test_events_come_back_exactly_once_and_in_key_order(local_stack):
    bootstrap = local_stack.kafka.bootstrap_servers
    topic = _fresh_topic(bootstrap)
    events = [Event(key=f"K{index % 7}", value={"event_id": f"e{index:05d}", "n": index}) for index in range(600)]

    delivered = produce_events(bootstrap, topic, events)
    consumed = consume_events(bootstrap, topic, group_id=f"{topic}-group")

    assert len(delivered) == len(events)
    assert sorted(event.value["event_id"] for event in consumed) == sorted(event.value["event_id"] for event in events)
    assert {event.value["event_id"]: event.key for event in consumed} == {event.value["event_id"]: event.key for event in events}
    assert {event.value["event_id"]: event.value for event in consumed} == {event.value["event_id"]: event.value for event in events}
    # One key, one partition, and the partition keeps the order of sending.
    partitions_of_key = defaultdict(set)
    for event in consumed:
        partitions_of_key[event.key].add(event.partition)
    assert all(len(partitions) == 1 for partitions in partitions_of_key.values())
    assert _ids_by_key(consumed) == _ids_by_key(events)
    assert {(d.partition, d.offset) for d in delivered} == {(c.partition, c.offset) for c in consumed}
    # The group committed its position: a second read finds nothing new.
    assert consume_events(bootstrap, topic, group_id=f"{topic}-group") == []


def test_nothing_acknowledged_is_lost_across_a_broker_restart(isolated_stack):
    # A private broker: restarting it cannot disturb anyone using the shared one.
    [first] = stack_up(isolated_stack, only=["kafka"])
    bootstrap = isolated_stack.kafka.bootstrap_servers
    topic = _fresh_topic(bootstrap)
    before = [Event(key=f"K{index % 5}", value={"event_id": f"before-{index}"}) for index in range(300)]
    after = [Event(key=f"K{index % 5}", value={"event_id": f"after-{index}"}) for index in range(300)]

    assert len(produce_events(bootstrap, topic, before)) == len(before)
    [stopped] = stack_down(isolated_stack, only=["kafka"])
    [restarted] = stack_up(isolated_stack, only=["kafka"])
    assert (first.state, stopped.state, restarted.state) == ("started", "stopped", "started")
    assert stopped.pid == first.pid and restarted.pid != first.pid
    assert len(produce_events(bootstrap, topic, after)) == len(after)

    consumed = consume_events(bootstrap, topic, group_id=f"{topic}-group")
    assert sorted(event.value["event_id"] for event in consumed) == sorted(e.value["event_id"] for e in before + after)
    assert _ids_by_key(consumed) == _ids_by_key(before + after)


def test_make_events_numbers_each_customer_in_sequence():
    events = make_events(250, customers=4, seed=3)
    per_customer = defaultdict(list)
    for event in events:
        assert event.key == event.value["customer_id"]
        per_customer[event.key].append(event.value["sequence"])
    assert all(sequence == list(range(1, len(sequence) + 1)) for sequence in per_customer.values())
    assert len({event.value["event_id"] for event in events}) == 250
    assert make_events(250, customers=4, seed=3) == events


def test_the_roundtrip_command_reports_no_loss(local_stack):
    result = run_roundtrip(local_stack, events=400)
    assert (result.produced, result.consumed, result.lost, result.unexpected) == (400, 400, 0, 0)
