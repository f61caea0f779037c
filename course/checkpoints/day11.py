"""Day 11: `rtdp stream peek`, the last records of each partition of a topic.

This day needs the local Kafka broker: the check starts it when it is not running (as `make up`
would) and reuses it when it is. It makes a topic of its own with three partitions, writes
records with known keys to chosen partitions (one left empty), asks the checkout's
`jobs.stream.peek.last_records` and `rtdp stream peek` for them, and deletes the topic.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid

from course.checkpoints.live_stream import kafka_broker
from course.grading import Criterion, NotYet, Workspace
from jobs.config import Settings, load_settings

LAST = 4
TOPIC_PREFIX = "course.day11."
PER_PARTITION = {0: 9, 1: 2, 2: 0}  # records written to each partition: more than LAST, fewer, none
_topics: dict[str, tuple[str, list[tuple[int, int, str, str]]]] = {}


def _settings() -> Settings:
    return load_settings("local")


def _topic(workspace: Workspace) -> tuple[str, list[tuple[int, int, str, str]]]:
    """A topic of this grading with its records as the broker acknowledged them (made once)."""
    if str(workspace.scratch) in _topics:
        return _topics[str(workspace.scratch)]
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    servers = kafka_broker(_settings())
    admin = AdminClient({"bootstrap.servers": servers})
    leftovers = [name for name in admin.list_topics(timeout=10).topics if name.startswith(TOPIC_PREFIX)]
    if leftovers:  # of gradings that stopped at a ✗ before cleaning up
        admin.delete_topics(leftovers)
    topic = f"{TOPIC_PREFIX}{uuid.uuid4().hex[:8]}"
    created = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    created[topic].result(timeout=30)
    sent: list[tuple[int, int, str, str]] = []
    producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True, "acks": "all"})
    for partition, records in PER_PARTITION.items():
        for number in range(records):
            key, value = f"K-{partition}-{number:02d}", f'{{"n": {number}, "partition": {partition}}}'

            def delivered(error, message, key=key, value=value):
                if error is None:
                    sent.append((message.partition(), message.offset(), key, value))

            producer.produce(topic, key=key, value=value, partition=partition, on_delivery=delivered)
    producer.flush(30)
    if len(sent) != sum(PER_PARTITION.values()):
        raise NotYet(f"the broker at {servers} acknowledged {len(sent)} of the check's records; is it healthy?")
    _topics[str(workspace.scratch)] = topic, sent
    return topic, sent


def _expected(sent: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    by_partition = {partition: sorted(record for record in sent if record[0] == partition) for partition in PER_PARTITION}
    return [record for partition in sorted(by_partition) for record in by_partition[partition][-LAST:]]


def _peek(topic: str, count: int) -> list:
    """The learner's last_records, given a minute at most (a partition without records must not be waited for)."""
    from jobs.stream.peek import last_records

    outcome: dict[str, object] = {}

    def call() -> None:
        try:
            outcome["records"] = last_records(_settings().kafka.bootstrap_servers, topic, count)
        except Exception as error:  # noqa: BLE001 - reported below, as the learner's code failing
            outcome["error"] = error

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():
        raise NotYet("last_records is still waiting after 60 s: partition 2 is empty, there is nothing to wait for")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return list(outcome["records"])  # type: ignore[arg-type]


def _last_of_each_partition(workspace: Workspace) -> None:
    topic, sent = _topic(workspace)
    found = [(record.partition, record.offset, record.key, record.value) for record in _peek(topic, LAST)]
    expected = _expected(sent)
    if found != expected:
        shown = sorted({(partition, offset) for partition, offset, _, _ in found})
        raise NotYet(f"with {PER_PARTITION} records per partition, last_records(..., {LAST}) gave the (partition, "
                     f"offset) pairs {shown}; the last {LAST} of each partition are "
                     f"{[(partition, offset) for partition, offset, _, _ in expected]}, with their keys and values")


def _unknown_topic(workspace: Workspace) -> None:
    from jobs.errors import PlatformError

    missing = f"course.missing.{uuid.uuid4().hex[:8]}"
    try:
        _peek(missing, LAST)
    except PlatformError as refused:
        if missing not in str(refused) or "\n" in str(refused).strip():
            raise NotYet(f"an unknown topic was refused, but not in one line naming it: {refused}") from None
        return
    raise NotYet(f"last_records of the topic {missing}, which does not exist, raised no PlatformError")


def _command_prints_them(workspace: Workspace) -> None:
    topic, sent = _topic(workspace)
    environment = {**os.environ, "PYTHONPATH": str(workspace.root), "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-m", "jobs.cli", "stream", "peek", topic, "--last", str(LAST)],
                         cwd=workspace.root, env=environment, capture_output=True, text=True, check=False)
    if run.returncode:
        said = (run.stderr or run.stdout).strip().splitlines()
        raise NotYet(f"`rtdp stream peek {topic} --last {LAST}` failed: {said[-1] if said else 'no output'}")
    absent = [key for _, _, key, _ in _expected(sent) if key not in run.stdout]
    if absent:
        raise NotYet(f"`rtdp stream peek {topic} --last {LAST}` does not show the keys {absent}")


def _remove_topic(workspace: Workspace) -> None:
    from confluent_kafka.admin import AdminClient

    topic, _ = _topics.pop(str(workspace.scratch), (None, None))
    if topic:
        AdminClient({"bootstrap.servers": _settings().kafka.bootstrap_servers}).delete_topics([topic])


def _command_then_clean_up(workspace: Workspace) -> None:
    try:
        _command_prints_them(workspace)
    finally:
        _remove_topic(workspace)


CRITERIA = (
    Criterion("last_records gives the last records of each partition, at most N, with their offsets, keys and values, "
              "in partition and offset order; an empty partition gives none", "Step 3: read a partition from an offset",
              _last_of_each_partition),
    Criterion("a topic that does not exist is refused with one line naming it", "Step 3: read a partition from an offset",
              _unknown_topic),
    Criterion("`rtdp stream peek TOPIC --last N` prints them", "Step 4: the command", _command_then_clean_up),
)
