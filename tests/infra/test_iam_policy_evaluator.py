"""The policy evaluator used by the IAM tests, checked on hand-written documents."""

import pytest

from iam_policy import is_allowed

pytestmark = pytest.mark.unit

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::lake/*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/secret/*"},
    ],
}


def test_allow_matches_action_and_resource_wildcards():
    assert is_allowed(DOCUMENT, "s3:PutObject", "arn:aws:s3:::lake/a/b.parquet")
    assert is_allowed(DOCUMENT, "S3:getobject", "arn:aws:s3:::lake/a")


def test_unlisted_action_or_resource_is_denied():
    assert not is_allowed(DOCUMENT, "s3:DeleteObject", "arn:aws:s3:::lake/a")
    assert not is_allowed(DOCUMENT, "s3:PutObject", "arn:aws:s3:::other/a")


def test_explicit_deny_wins_over_allow():
    assert not is_allowed(DOCUMENT, "s3:GetObject", "arn:aws:s3:::lake/secret/key")


def test_conditions_are_refused_rather_than_ignored():
    with pytest.raises(ValueError):
        is_allowed({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}]}, "s3:GetObject", "x")
