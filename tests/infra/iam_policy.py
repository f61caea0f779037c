"""A small evaluator of IAM identity policies, written independently of the Terraform code:
explicit Deny wins, otherwise any matching Allow grants, otherwise the request is denied."""

from __future__ import annotations

from fnmatch import fnmatchcase


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _matches(patterns, value: str, *, case_sensitive: bool) -> bool:
    if not case_sensitive:
        return any(fnmatchcase(value.lower(), pattern.lower()) for pattern in _as_list(patterns))
    return any(fnmatchcase(value, pattern) for pattern in _as_list(patterns))


def is_allowed(document: dict, action: str, resource: str) -> bool:
    """Whether the policy `document` grants `action` (e.g. s3:GetObject) on the ARN `resource`.

    Conditions are not evaluated: the identity policies under test have none.
    """
    allowed = False
    for statement in _as_list_of_statements(document):
        if "NotAction" in statement or "NotResource" in statement or "Condition" in statement:
            raise ValueError(f"statement {statement.get('Sid')} uses a form this evaluator does not cover")
        if not _matches(statement["Action"], action, case_sensitive=False):
            continue
        if not _matches(statement["Resource"], resource, case_sensitive=True):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def _as_list_of_statements(document: dict) -> list[dict]:
    statements = document["Statement"]
    return [statements] if isinstance(statements, dict) else statements
