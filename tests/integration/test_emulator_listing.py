"""The stack's emulator lists a versioned bucket as AWS does: deleted keys make no folders."""

from __future__ import annotations

import uuid

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_a_folder_whose_objects_were_all_deleted_is_not_listed(local_stack):
    s3 = boto3.client("s3", endpoint_url=local_stack.aws.endpoint_url, region_name=local_stack.aws.region)
    bucket = f"listing-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # What Hadoop's FileOutputCommitter leaves after a job: task folders, then deleted.
    for key in ("table/_temporary/0/task_1/part-0.parquet", "table/_temporary/0/task_2/part-0.parquet", "table/part-0.parquet"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.delete_object(Bucket=bucket, Key="table/_temporary/0/task_1/part-0.parquet")

    listed = s3.list_objects_v2(Bucket=bucket, Prefix="table/_temporary/0/", Delimiter="/")
    assert [prefix["Prefix"] for prefix in listed.get("CommonPrefixes", [])] == ["table/_temporary/0/task_2/"]
    s3.delete_object(Bucket=bucket, Key="table/_temporary/0/task_2/part-0.parquet")
    top = s3.list_objects_v2(Bucket=bucket, Prefix="table/", Delimiter="/")
    assert top.get("CommonPrefixes", []) == [] and [item["Key"] for item in top["Contents"]] == ["table/part-0.parquet"]
    # The versions are all still there.
    versions = s3.list_object_versions(Bucket=bucket, Prefix="table/_temporary/")
    assert len(versions["Versions"]) == 2 and len(versions["DeleteMarkers"]) == 2
