"""The policy evaluator used by the IAM tests, checked on hand-written documents."""

import pytest

from iam_policy import is_allowed, is_allowed_within

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


BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/b"
CONDITIONED = {
    "Statement": [
        {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}}},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:CreateRole", "Resource": "*",
         "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}}},
    ],
}


def test_a_condition_on_a_key_missing_from_the_request_fails_positive_and_holds_negated_operators():
    only_positive = {"Statement": CONDITIONED["Statement"][:1]}
    assert is_allowed(only_positive, "iam:CreateRole", "r", {"iam:PermissionsBoundary": BOUNDARY_ARN})
    assert not is_allowed(only_positive, "iam:CreateRole", "r")
    assert not is_allowed(only_positive, "iam:CreateRole", "r", {"iam:PermissionsBoundary": "arn:other"})
    # The Deny with StringNotEquals catches a request without the key and one with another value.
    assert not is_allowed(CONDITIONED, "iam:CreateRole", "r")
    assert not is_allowed(CONDITIONED, "iam:CreateRole", "r", {"iam:PermissionsBoundary": "arn:other"})
    assert is_allowed(CONDITIONED, "iam:CreateRole", "r", {"iam:PermissionsBoundary": BOUNDARY_ARN})
    assert is_allowed(CONDITIONED, "iam:GetRole", "r")


def test_a_boundary_caps_what_the_policy_grants():
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert is_allowed_within(everything, DOCUMENT, "s3:PutObject", "arn:aws:s3:::lake/a")
    assert not is_allowed_within(everything, DOCUMENT, "s3:GetObject", "arn:aws:s3:::lake/secret/a")
    assert not is_allowed_within(everything, DOCUMENT, "iam:CreateUser", "arn:aws:iam::1:user/x")
    assert not is_allowed_within({"Statement": []}, DOCUMENT, "s3:PutObject", "arn:aws:s3:::lake/a")


def test_unknown_forms_are_refused_rather_than_ignored():
    with pytest.raises(ValueError):
        is_allowed({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {}}}]},
                   "s3:GetObject", "x")
    with pytest.raises(ValueError):
        is_allowed({"Statement": [{"Effect": "Allow", "NotAction": "*", "Resource": "*"}]}, "s3:GetObject", "x")
