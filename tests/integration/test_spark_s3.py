"""Spark reads and writes s3a:// on the local AWS emulator with the dev settings."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import boto3
import pytest

from jobs.spark import spark_session
from jobs.storage import exists, join, spark_path

pytestmark = [pytest.mark.integration, pytest.mark.spark]


@pytest.fixture(scope="module")
def dev_spark(local_stack, spark):
    """The test run's one Spark session, configured for the dev settings' S3 layers.

    `local_stack` comes first: it fetches the S3A jars before the shared session starts.
    """
    return spark_session(local_stack)


def test_a_dataframe_round_trips_through_an_s3a_bucket(local_stack, dev_spark):
    rows = [(index, f"C{index % 7:04d}", round(index * 1.25, 2)) for index in range(500)]
    frame = dev_spark.createDataFrame(rows, "id long, customer_id string, amount double")
    uri = join(local_stack.layer_uri("silver"), f"spark-probe-{uuid.uuid4().hex[:8]}")
    assert spark_path(uri).startswith("s3a://rtdp-dev-silver/")

    frame.repartition(3).write.mode("overwrite").partitionBy("customer_id").parquet(spark_path(uri))
    back = dev_spark.read.parquet(spark_path(uri)).select("id", "customer_id", "amount")

    assert sorted(tuple(row) for row in back.collect()) == sorted(rows)
    # The objects really are in the emulator's bucket, seen by two other clients (boto3, pyarrow).
    location = urlparse(uri)
    s3 = boto3.client("s3", endpoint_url=local_stack.aws.endpoint_url, region_name=local_stack.aws.region)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=location.netloc, Prefix=location.path.lstrip("/"))["Contents"]]
    parquet_keys = [key for key in keys if key.endswith(".parquet")]
    assert {key.split("/")[-2] for key in parquet_keys} == {f"customer_id=C{n:04d}" for n in range(7)}
    assert all(exists(local_stack, f"s3://{location.netloc}/{key}") for key in parquet_keys)
