"""moto's server (`python -m moto.server`) enforcing IAM as AWS does, with three fixes.

IAM is enforced from the first request: every call must be signed by a known key and be allowed
by its policies. The stack's own key (constants.EMULATOR_CREDENTIALS, the `test` keys README
gives) belongs to the emulator's administrator, as an account's first user does on AWS; jobs use
the short-lived keys of their role (STS AssumeRole, jobs.operate.roles).

Where moto differs from AWS, and what this module changes (still so in moto 5.2.6; remove a fix
when moto behaves like AWS):
- In a versioned bucket, moto lists a key whose latest version is a delete marker as a folder
  (CommonPrefixes). Hadoop's FileOutputCommitter lists `_temporary/0/` with a delimiter, so the
  second Spark write to a path found the deleted task folders of the first and failed ("No such
  file or directory: s3a://.../_temporary/0/task_...").
- moto asks for a permission `s3:HeadBucket`, which AWS does not have: HEAD on a bucket takes
  s3:ListBucket.
- moto authorises a multi-object delete (DeleteObjects) against the bucket's ARN, so a role that
  may delete only under a prefix could delete nothing. AWS checks s3:DeleteObject per key; here a
  request with any key out of reach is refused whole (AWS would answer per key).
- moto checks a signature against the path and query string as the client sent them, while
  clients sign their canonical form (`prefix=env:/` is signed as `prefix=env%3A%2F`, a key
  `event_date=2026-01-01/` as `event_date%3D2026-01-01/`): such requests failed with
  SignatureDoesNotMatch.
- moto matches a trust policy's AWS principal only by the caller's exact ARN; AWS reads the
  account's root (`arn:aws:iam::ACCOUNT:root`) as any principal of that account whose own
  policies allow the call.
"""

from __future__ import annotations

import copy
import json
from urllib.parse import quote, unquote

import xmltodict
from moto import settings
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import IAMPolicyStatement, IAMRequestBase
from moto.iam.models import iam_backends
from moto.s3 import responses
from moto.s3.models import FakeBucket, FakeDeleteMarker, FakeTableStorageBucket, S3Backend
from moto.server import main

from jobs.operate.stack.constants import EMULATOR_CREDENTIALS

ADMINISTRATOR = "emulator-admin"


class _CurrentKeys:
    """A bucket's keys without those whose latest version is a delete marker."""

    def __init__(self, keys) -> None:
        self._keys = keys

    def items(self):
        return [(name, key) for name, key in self._keys.items() if not isinstance(key, FakeDeleteMarker)]


def list_current_objects(original):
    def list_objects(self, bucket, *arguments, **keywords):
        if isinstance(bucket, FakeBucket) and not isinstance(bucket, FakeTableStorageBucket):
            bucket = copy.copy(bucket)
            bucket.keys = _CurrentKeys(bucket.keys)
        return original(self, bucket, *arguments, **keywords)

    return list_objects


def authorize_each_deleted_key(original):
    def bucket_response_post(self, request, bucket_name):
        self.path = self._get_path(request)
        if not (self.is_delete_keys() and request.headers.get("Content-Length")):
            return original(self, request, bucket_name)
        objects = xmltodict.parse(self.body).get("Delete", {}).get("Object") or []
        for item in objects if isinstance(objects, list) else [objects]:
            self.data["Action"] = "DeleteObject"
            self._authenticate_and_authorize_s3_action(bucket_name=bucket_name, key_name=item["Key"])
        return self._bucket_response_delete_keys(bucket_name)

    return bucket_response_post


def trust_account_principal(original):
    def check_principal(self, principal):
        expected = (self._statement.get("Principal") or {}).get("AWS", [])
        accounts = {arn.split(":")[4] for arn in ([expected] if isinstance(expected, str) else expected)
                    if arn.endswith(":root")}
        return principal.split(":")[4] in accounts or original(self, principal)

    return check_principal


def _canonical(text: str, safe: str = "") -> str:
    return quote(unquote(text), safe=f"-_.~{safe}")


def sign_canonical_request(original):
    def create_aws_request(self):
        request = original(self)
        path, _, query = request.url.partition("?")
        pairs = [pair.partition("=") for pair in query.split("&")] if query else []
        request.url = _canonical(path, safe="/") + ("?" if pairs else "") + "&".join(
            f"{_canonical(key)}={_canonical(value)}" for key, _, value in pairs)
        return request

    return create_aws_request


def add_administrator() -> None:
    """The administrator user, allowed everything, whose key is the stack's own."""
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    iam.create_user("us-east-1", ADMINISTRATOR)
    iam.put_user_policy(ADMINISTRATOR, "administrator", json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(ADMINISTRATOR)
    del iam.access_keys[key.physical_resource_id]
    key.access_key_id = EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"]
    key.secret_access_key = EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    iam.access_keys[key.physical_resource_id] = key


if __name__ == "__main__":
    S3Backend.list_objects = list_current_objects(S3Backend.list_objects)
    responses.ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"
    responses.S3Response._bucket_response_post = authorize_each_deleted_key(responses.S3Response._bucket_response_post)
    IAMPolicyStatement._check_principal = trust_account_principal(IAMPolicyStatement._check_principal)
    IAMRequestBase._create_aws_request = sign_canonical_request(IAMRequestBase._create_aws_request)
    add_administrator()
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    main()
