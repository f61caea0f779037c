"""The PII classification of a column, written as a tag at the end of its DDL comment.

    COMMENT ON COLUMN dim_customer.email IS 'Email address, lower case [PII: direct]';

A column without a tag holds no personal data. The catalog shows the class in its own column
and the description without the tag.
"""

from __future__ import annotations

import re

from jobs.errors import PlatformError

PII_CLASSES: dict[str, str] = {
    "direct": "identifies a person on its own: a name, an email address, or a raw record that may hold them",
    "indirect": "identifies a person only together with other data: a customer or account id, a home location",
}

_TAG = re.compile(r"\s*\[PII:\s*([^\]]*?)\s*\]\s*$")
_ANY_TAG = re.compile(r"\[PII\b", re.IGNORECASE)


def split_pii(comment: str, where: str) -> tuple[str, str | None]:
    """A column comment -> (description without the tag, PII class or None).

    `where` names the column in errors. PlatformError for an unknown class or a tag that is not
    at the end of the comment, so a typo never silently declassifies a column.
    """
    match = _TAG.search(comment)
    description = comment[: match.start()] if match else comment
    if _ANY_TAG.search(description):
        raise PlatformError(f"comment of {where} has a PII tag that is not '[PII: <class>]' at its end")
    if match is None:
        return comment, None
    pii = match.group(1)
    if pii not in PII_CLASSES:
        raise PlatformError(f"comment of {where} has unknown PII class '{pii}': use one of {', '.join(PII_CLASSES)}")
    return description, pii


def strongest(classes: list[str | None]) -> str | None:
    """The most identifying class among `classes` (direct > indirect > none)."""
    for pii in PII_CLASSES:
        if pii in classes:
            return pii
    return None
