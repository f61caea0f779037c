"""A Kafka round trip: create a topic, produce keyed JSON events, consume them back.

The producer is idempotent (`enable.idempotence`, `acks=all`): a retried send is never written
twice and the order of one key is kept. Every delivery report is checked; an event the broker
did not acknowledge is counted and raised, never silently dropped.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from jobs.config import Settings
from jobs.errors import PlatformError


@dataclass(frozen=True)
class Event:
    """One keyed event: the key picks the partition, so one key's events stay in order."""

    key: str
    value: dict[str, Any]


@dataclass(frozen=True)
class Delivered:
    """Where the broker stored an acknowledged event."""

    key: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Consumed:
    key: str
    value: dict[str, Any]
    partition: int
    offset: int


def create_topic(bootstrap_servers: str, topic: str, partitions: int = 3, timeout_s: float = 30) -> bool:
    """Create `topic` with one replica per partition; True if created, False if it existed."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                                 operation_timeout=timeout_s)[topic]
    try:
        future.result(timeout=timeout_s)
    except KafkaException as error:
        if error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise PlatformError(f"could not create Kafka topic '{topic}' on {bootstrap_servers}: {error.args[0].str()}") from None
    return True


def make_events(count: int, customers: int = 10, seed: int = 7) -> list[Event]:
    """`count` card-payment events keyed by customer, with a per-customer sequence number."""
    rng = random.Random(seed)
    sequence: dict[str, int] = {}
    events = []
    for _ in range(count):
        customer = f"C{rng.randrange(customers):04d}"
        sequence[customer] = sequence.get(customer, 0) + 1
        events.append(Event(key=customer, value={
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "customer_id": customer,
            "sequence": sequence[customer],
            "amount": round(rng.uniform(1, 500), 2),
        }))
    return events


def produce_events(bootstrap_servers: str, topic: str, events: list[Event], timeout_s: float = 60) -> list[Delivered]:
    """Send `events` in order with an idempotent producer; the acknowledged positions, in send order.

    Raises PlatformError if any event was not acknowledged within `timeout_s`.
    """
    producer = Producer({
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "delivery.timeout.ms": int(timeout_s * 1000),
    })
    delivered: dict[int, Delivered] = {}
    errors: list[str] = []

    def report(index: int):
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                errors.append(error.str())
            else:
                delivered[index] = Delivered(events[index].key, message.partition(), message.offset())
        return on_delivery

    for index, event in enumerate(events):
        payload = json.dumps(event.value, sort_keys=True).encode()
        while True:
            try:
                producer.produce(topic, key=event.key.encode(), value=payload, on_delivery=report(index))
                break
            except BufferError:
                producer.poll(0.1)  # local queue full: let deliveries drain first
        producer.poll(0)
    producer.flush(timeout_s)
    failed = len(events) - len(delivered)
    if failed:
        cause = errors[0] if errors else f"no acknowledgement within {timeout_s:.0f} s"
        raise PlatformError(f"{failed} of {len(events)} events to Kafka topic '{topic}' were not delivered: {cause}")
    return [delivered[index] for index in range(len(events))]


def consume_events(bootstrap_servers: str, topic: str, group_id: str, timeout_s: float = 60) -> list[Consumed]:
    """Read `topic` from the group's committed position to its current end, then commit.

    Events come back in partition order (as stored). Raises PlatformError if the end of every
    partition is not reached within `timeout_s`.
    """
    partitions = len(AdminClient({"bootstrap.servers": bootstrap_servers}).list_topics(topic, timeout=10).topics[topic].partitions)
    consumer = Consumer({
        "bootstrap.servers": bootstrap_servers,
        "group.id": group_id,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    consumer.subscribe([topic])
    consumed: list[Consumed] = []
    at_end: set[int] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while len(at_end) < partitions:
            if time.monotonic() > deadline:
                raise PlatformError(f"reading Kafka topic '{topic}' did not reach its end within {timeout_s:.0f} s "
                                    f"({len(consumed)} events read)")
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    continue
                raise PlatformError(f"reading Kafka topic '{topic}' failed: {message.error().str()}")
            at_end.discard(message.partition())
            consumed.append(Consumed(message.key().decode(), json.loads(message.value()), message.partition(),
                                     message.offset()))
        if consumed:
            consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return consumed


@dataclass(frozen=True)
class RoundTrip:
    topic: str
    produced: int
    consumed: int
    lost: int
    unexpected: int


def run_roundtrip(settings: Settings, events: int = 1000) -> RoundTrip:
    """Produce `events` to a fresh topic of the settings' broker and read them back."""
    bootstrap = settings.kafka.bootstrap_servers
    topic = f"rtdp-roundtrip-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic)
    sent = make_events(events)
    produce_events(bootstrap, topic, sent)
    received = consume_events(bootstrap, topic, group_id=f"{topic}-reader")
    sent_ids = {event.value["event_id"] for event in sent}
    received_ids = [event.value["event_id"] for event in received]
    return RoundTrip(topic=topic, produced=len(sent), consumed=len(received),
                     lost=len(sent_ids - set(received_ids)), unexpected=len(received_ids) - len(sent_ids & set(received_ids)))
