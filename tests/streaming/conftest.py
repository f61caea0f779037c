"""Fixtures of the streaming tests: the real local stack, isolated lake locations and topics.

The Kafka connector must be on the class path of the one Spark JVM of the test run, whichever
fixture starts it first; the class path is fixed when the JVM starts, so this is arranged when
pytest collects this folder, before any test runs.
"""

from __future__ import annotations

import concurrent.futures
import uuid

import pytest
from confluent_kafka.admin import AdminClient

from jobs import storage
from jobs.config import Settings, load_settings
from jobs.streaming.spark_kafka import prepare_spark_launch
from jobs.streaming.topics import EVENT_TOPICS, dead_letter_topic, prefixed

LAKE_LAYERS = ("bronze", "silver", "gold", "quarantine")

prepare_spark_launch(load_settings("local"))




@pytest.fixture
def stream_settings(local_stack) -> Settings:
    """Dev settings whose lake layers live under a prefix of their own in the emulator's buckets,
    with Spark at 1 GB; the prefix is deleted afterwards."""
    run = uuid.uuid4().hex[:10]
    layers = {f"{layer}_uri": storage.join(local_stack.layer_uri(layer), "tests", run) for layer in LAKE_LAYERS}
    settings = local_stack.model_copy(deep=True, update={"storage": local_stack.storage.model_copy(update=layers)})
    settings.spark.driver_memory = "1g"
    settings.spark.shuffle_partitions = 2
    yield settings
    for layer in LAKE_LAYERS:
        storage.delete_dir(settings, settings.layer_uri(layer))


@pytest.fixture
def topic_prefix(local_stack) -> str:
    """A prefix of fresh topic names on the shared broker; the topics are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:10]}."
    yield prefix
    names = [name for topic in EVENT_TOPICS for name in (prefixed(topic, prefix), dead_letter_topic(prefixed(topic, prefix)))]
    admin = AdminClient({"bootstrap.servers": local_stack.kafka.bootstrap_servers})
    # Topics a test never used do not exist: their futures fail, which is fine here.
    concurrent.futures.wait(list(admin.delete_topics(names, operation_timeout=30).values()), timeout=60)
