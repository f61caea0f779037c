"""The stack's emulator enforces IAM as AWS does (jobs.operate.stack.moto_server): unknown keys are
refused, the stack's keys are the administrator's, and a role may do exactly what its policy says."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from jobs.operate.stack.constants import EMULATOR_CREDENTIALS

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"


def _client(settings, service: str, credentials: dict[str, str] | None = None):
    keys = credentials or {"aws_access_key_id": EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                           "aws_secret_access_key": EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}
    return boto3.client(service, endpoint_url=settings.aws.endpoint_url, region_name=settings.aws.region, **keys)


def _error(call, **arguments) -> str | None:
    try:
        call(**arguments)
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


@pytest.fixture
def bucket(local_stack):
    s3 = _client(local_stack, "s3")
    name = f"iam-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    yield name
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def _role(settings, bucket: str, trusted: str) -> str:
    """A role trusting `trusted` that may list `bucket` and read, write and delete under `lake/`."""
    name = f"iam-test-{uuid.uuid4().hex[:8]}"
    iam = _client(settings, "iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=name, PolicyName="access", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": f"arn:aws:s3:::{bucket}/lake/*"},
    ]}))
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _assumed(settings, role: str):
    credentials = _client(settings, "sts").assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
    return _client(settings, "s3", {"aws_access_key_id": credentials["AccessKeyId"],
                                    "aws_secret_access_key": credentials["SecretAccessKey"],
                                    "aws_session_token": credentials["SessionToken"]})


def test_an_unknown_key_is_refused_and_the_stack_keys_are_the_administrator(local_stack, bucket):
    stranger = _client(local_stack, "s3", {"aws_access_key_id": "nobody", "aws_secret_access_key": "nothing"})
    assert _error(stranger.list_objects_v2, Bucket=bucket) == "InvalidAccessKeyId"
    assert _error(_client(local_stack, "iam").create_user, UserName=f"u-{uuid.uuid4().hex[:8]}") is None


def test_a_role_may_do_exactly_what_its_policy_says(local_stack, bucket):
    admin = _client(local_stack, "s3")
    admin.put_object(Bucket=bucket, Key="elsewhere/x", Body=b"x")
    s3 = _assumed(local_stack, _role(local_stack, bucket, f"arn:aws:iam::{ACCOUNT}:root"))
    assert _error(s3.head_bucket, Bucket=bucket) is None  # s3:ListBucket, as on AWS
    # Keys and prefixes whose canonical form differs from what goes over the wire.
    for key in ("lake/event_date=2026-01-01/part-0.parquet", "lake/a b:c+d.csv"):
        assert _error(s3.put_object, Bucket=bucket, Key=key, Body=b"x") is None
        assert _error(s3.get_object, Bucket=bucket, Key=key) is None
    assert s3.list_objects_v2(Bucket=bucket, Prefix="lake/event_date=2026-01-01/", Delimiter="/")["KeyCount"] == 1
    assert _error(s3.put_object, Bucket=bucket, Key="elsewhere/y", Body=b"x") == "AccessDenied"
    assert _error(s3.get_object, Bucket=bucket, Key="elsewhere/x") == "AccessDenied"
    # A multi-object delete is checked key by key: one key out of reach refuses it.
    everything = [{"Key": "lake/a b:c+d.csv"}, {"Key": "elsewhere/x"}]
    assert _error(s3.delete_objects, Bucket=bucket, Delete={"Objects": everything}) == "AccessDenied"
    assert {item["Key"] for item in admin.list_objects_v2(Bucket=bucket)["Contents"]} == {
        "elsewhere/x", "lake/a b:c+d.csv", "lake/event_date=2026-01-01/part-0.parquet"}
    assert _error(s3.delete_objects, Bucket=bucket, Delete={"Objects": everything[:1]}) is None
    assert "lake/a b:c+d.csv" not in {item["Key"] for item in admin.list_objects_v2(Bucket=bucket)["Contents"]}


def test_a_role_trusting_another_account_cannot_be_assumed(local_stack, bucket):
    role = _role(local_stack, bucket, "arn:aws:iam::210987654321:root")
    assert _error(_client(local_stack, "sts").assume_role, RoleArn=role, RoleSessionName="test") == "AccessDenied"
