"""Events and reads for the streaming tests: build events, read topics and lake folders independently of
the code under test (plain confluent-kafka consumers and pyarrow datasets)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from confluent_kafka import Consumer, KafkaError

from jobs import storage
from jobs.config import Settings
from jobs.stream.events import OutgoingEvent

PROJECT_DOCS = Path(__file__).resolve().parents[2] / "docs"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transaction_document(number: int, at: datetime | None = None, **changes) -> dict:
    """A valid transaction event (by the contract's rules, written out here by hand)."""
    moment = utc_text(at or datetime.now(UTC))
    document = {
        "event_id": str(uuid.uuid4()),
        "event_version": 1,
        "event_time": moment,
        "transaction_id": f"T{number:08d}",
        "account_id": f"A{number % 50:06d}",
        "product_id": f"P{number % 20:04d}",
        "amount": f"{number % 900 + 1}.{number % 100:02d}",
        "quantity": number % 5 + 1,
        "transaction_ts": moment,
        "channel": ("online", "mobile", "store", "phone")[number % 4],
    }
    document.update(changes)
    return document


def movement_document(number: int, at: datetime | None = None, **changes) -> dict:
    """A valid inventory movement event."""
    document = {
        "event_id": str(uuid.uuid4()),
        "event_version": 1,
        "event_time": utc_text(at or datetime.now(UTC)),
        "product_id": f"P{number % 20:04d}",
        "warehouse": "North Hub",
        "quantity_delta": -(number % 3 + 1),
        "reason": "sale",
    }
    document.update(changes)
    return document


def message(document: dict, key_field: str = "account_id") -> OutgoingEvent:
    return OutgoingEvent(key=document.get(key_field), value=json.dumps(document).encode(), event_id=document["event_id"])


def raw_message(payload: bytes, key: str = "A000001") -> OutgoingEvent:
    return OutgoingEvent(key=key, value=payload, event_id="")


@dataclass(frozen=True)
class Received:
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]


def read_topic(bootstrap_servers: str, topic: str, timeout_s: float = 60) -> list[Received]:
    """Every message of `topic` from the beginning to its current end."""
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": f"test-reader-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.partition.eof": True, "enable.auto.commit": False})
    partitions = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
    consumer.subscribe([topic])
    received: list[Received] = []
    at_end: set[int] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while len(at_end) < partitions:
            assert time.monotonic() < deadline, f"topic {topic} not read to its end within {timeout_s} s"
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error() is not None:
                assert msg.error().code() == KafkaError._PARTITION_EOF, msg.error().str()
                at_end.add(msg.partition())
                continue
            at_end.discard(msg.partition())
            headers = {name: value.decode() for name, value in (msg.headers() or [])}
            received.append(Received(msg.key(), msg.value(), headers))
    finally:
        consumer.close()
    return received


def read_lake(settings: Settings, uri: str) -> pa.Table | None:
    """The Parquet dataset at `uri` (hive partitions as columns), None if absent."""
    if not storage.exists(settings, uri):
        return None
    filesystem, path = storage.filesystem(settings, uri)
    return ds.dataset(path, filesystem=filesystem, format="parquet", partitioning="hive",
                      exclude_invalid_files=True, ignore_prefixes=[".", "_"]).to_table()


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)
