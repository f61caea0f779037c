"""The Kafka topics of the real-time path and which contract each carries.

The names are those of modules/kafka_topics (var.event_topics, each with a `<topic>.dlq`
dead-letter topic); tests/streaming/test_topics.py keeps the two in step.
"""

from __future__ import annotations

import logging
import re

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from jobs.errors import PlatformError
from jobs.model.contracts import INVENTORY_MOVEMENT, TRANSACTION, EventContract

TRANSACTIONS = "transactions"
INVENTORY_MOVEMENTS = "inventory_movements"

# Event topic -> the contract of its events.
EVENT_TOPICS: dict[str, EventContract] = {TRANSACTIONS: TRANSACTION, INVENTORY_MOVEMENTS: INVENTORY_MOVEMENT}

DLQ_SUFFIX = ".dlq"
# Partitions when this code creates a topic (the local stack); Terraform sets them elsewhere.
EVENT_PARTITIONS = 3
DLQ_PARTITIONS = 1

# librdkafka's own log, for every client of the stream, at errors only: the warnings and notices
# are retries it recovers from by itself (e.g. "Coordinator load in progress" while a fresh broker
# starts) and shutdown chatter; delivery reports and the callers count real failures.
CLIENT_LOG = logging.getLogger("rtdp.kafka_client")
CLIENT_LOG.setLevel(logging.ERROR)


# Like var.topic_prefix of modules/kafka_topics: empty, or lower-case text ending with a dot.
_PREFIX = re.compile(r"^([a-z0-9_-]+[.])?$")


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


def contract_of(topic: str) -> EventContract:
    """The contract of a platform topic (without prefix); PlatformError for one the platform does not know."""
    if topic not in EVENT_TOPICS:
        raise PlatformError(f"unknown event topic '{topic}': choose from {', '.join(EVENT_TOPICS)}")
    return EVENT_TOPICS[topic]


def prefixed(topic: str, prefix: str) -> str:
    """The broker-side name of `topic` under `prefix` (brokers shared by environments or tests)."""
    if not _PREFIX.match(prefix):
        raise PlatformError(f"topic prefix '{prefix}' must be empty or lower-case text ending with a dot, e.g. dev.")
    return prefix + topic


def ensure_topics(bootstrap_servers: str, topics: list[str], timeout_s: float = 30) -> list[str]:
    """Create each event topic and its dead-letter topic unless it exists; the names created."""
    wanted = [NewTopic(topic, num_partitions=EVENT_PARTITIONS, replication_factor=1) for topic in topics]
    wanted += [NewTopic(dead_letter_topic(topic), num_partitions=DLQ_PARTITIONS, replication_factor=1) for topic in topics]
    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "logger": CLIENT_LOG})
    created = []
    for name, future in admin.create_topics(wanted, operation_timeout=timeout_s, request_timeout=timeout_s).items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except TimeoutError:
            raise PlatformError(f"the Kafka broker at {bootstrap_servers} did not answer within {timeout_s:.0f} s: "
                                "is the stack up (`make up`)?") from None
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise PlatformError(f"could not create Kafka topic '{name}' on {bootstrap_servers}: "
                                    f"{error.args[0].str()}") from None
    return created
