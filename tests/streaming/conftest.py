"""Fixtures of the streaming tests: the real local stack, isolated lake locations and topics.

The Kafka connector must be on the class path of the one Spark JVM of the test run, whichever
fixture starts it first; the class path is fixed when the JVM starts, so this is arranged once
collection is over, before any test runs, and only when a test of this folder that is not a unit
test was selected (the unit tests run without Java or Maven).
"""

from __future__ import annotations

import uuid

import pytest

from jobs import storage
from jobs.config import Settings, load_settings
from jobs.stream.spark_kafka import prepare_spark_launch

LAKE_LAYERS = ("bronze", "silver", "gold", "quarantine")


def pytest_collection_finish(session: pytest.Session) -> None:
    here = session.config.rootpath / "tests" / "streaming"
    if any(item.path.is_relative_to(here) and not item.get_closest_marker("unit") for item in session.items):
        prepare_spark_launch(load_settings("local"))


@pytest.fixture
def stream_settings(local_stack, silver_references) -> Settings:
    """Dev settings whose lake layers live under a prefix of their own in the emulator's buckets,
    with Spark at 1 GB, and the batch's silver accounts and products the test events name; the
    prefix is deleted afterwards. Without a cluster: the stream job then runs this checkout in
    local Spark with the emulator's keys (nothing is deployed here); the deployed release's job
    on the cluster, under its role, is tested in tests/infra/test_deploy.py."""
    run = uuid.uuid4().hex[:10]
    layers = {f"{layer}_uri": storage.join(local_stack.layer_uri(layer), "tests", run) for layer in LAKE_LAYERS}
    settings = local_stack.model_copy(deep=True, update={"storage": local_stack.storage.model_copy(update=layers)})
    settings.spark.driver_memory = "1g"
    settings.spark.shuffle_partitions = 2
    settings.spark.cluster = None
    silver_references(settings)
    yield settings
    for layer in LAKE_LAYERS:
        storage.delete_dir(settings, settings.layer_uri(layer))
