"""A small evaluator of IAM identity policies and permissions boundaries, written independently
of the Terraform code: explicit Deny wins, otherwise any matching Allow grants, otherwise the
request is denied. Conditions: the string operators StringEquals, StringNotEquals, StringLike
and StringNotLike on the request context given; a key missing from the context never matches a
positive operator and always matches a negated one (as IAM evaluates them)."""

from __future__ import annotations

from fnmatch import fnmatchcase

_OPERATORS = {
    "StringEquals": (lambda value, pattern: value == pattern, False),
    "StringNotEquals": (lambda value, pattern: value == pattern, True),
    "StringLike": (fnmatchcase, False),
    "StringNotLike": (fnmatchcase, True),
}


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _matches(patterns, value: str, *, case_sensitive: bool) -> bool:
    if not case_sensitive:
        return any(fnmatchcase(value.lower(), pattern.lower()) for pattern in _as_list(patterns))
    return any(fnmatchcase(value, pattern) for pattern in _as_list(patterns))


def _conditions_hold(conditions: dict, context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        if operator not in _OPERATORS:
            raise ValueError(f"condition operator {operator} is not covered by this evaluator")
        compare, negated = _OPERATORS[operator]
        for key, patterns in tests.items():
            value = context.get(key)
            matched = value is not None and any(compare(value, pattern) for pattern in _as_list(patterns))
            if matched == negated:
                return False
    return True


def is_allowed(document: dict, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """Whether the policy `document` grants `action` (e.g. s3:GetObject) on the ARN `resource`,
    for a request whose condition keys are `context` (e.g. {"iam:PermissionsBoundary": arn})."""
    allowed = False
    for statement in _as_list_of_statements(document):
        if "NotAction" in statement or "NotResource" in statement:
            raise ValueError(f"statement {statement.get('Sid')} uses a form this evaluator does not cover")
        if not _matches(statement["Action"], action, case_sensitive=False):
            continue
        if not _matches(statement["Resource"], resource, case_sensitive=True):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context or {}):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def is_allowed_within(document: dict, boundary: dict, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """Whether a role with the policy `document` and the permissions boundary `boundary` may do it:
    both must allow it."""
    return is_allowed(document, action, resource, context) and is_allowed(boundary, action, resource, context)


def _as_list_of_statements(document: dict) -> list[dict]:
    statements = document["Statement"]
    return [statements] if isinstance(statements, dict) else statements
