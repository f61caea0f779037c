"""Fixtures of the lineage tests: the OpenLineage event schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_FILE = Path(__file__).with_name("openlineage_run_event.schema.json")


@pytest.fixture(scope="session")
def event_validator() -> Draft202012Validator:
    """Validator of one RunEvent against the schema, with the date-time and uuid formats checked (URIs by pattern: the
    optional uri format validator is not installed)."""
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())

