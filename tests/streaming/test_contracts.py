"""The event contracts: files, versions, and the verdict on good and bad payloads."""

from __future__ import annotations

import json
import re

import pytest

from jobs.model.contracts import (
    CONTRACTS,
    INVENTORY_MOVEMENT,
    TRANSACTION,
    check_event,
)
from jobs.model.contracts.versions import schema_files
from jobs.model.reasons import MALFORMED_JSON, SCHEMA_VIOLATION, UNKNOWN_EVENT_VERSION
from stream_io import PROJECT_DOCS, movement_document, transaction_document

pytestmark = pytest.mark.unit


def test_every_schema_file_fixes_event_version_to_the_number_in_its_name():
    files = schema_files()
    assert set(files) == {"transaction", "inventory_movement"}
    for versions in files.values():
        for version, schema in versions.items():
            assert schema["properties"]["event_version"] == {"description": schema["properties"]["event_version"]["description"],
                                                             "const": version}


@pytest.mark.parametrize("contract", list(CONTRACTS.values()), ids=list(CONTRACTS))
def test_silver_columns_are_exactly_the_newest_schema_fields_and_all_are_required(contract):
    schema = contract.schema(contract.latest_version)
    assert set(contract.silver_types) == set(schema["properties"])
    assert set(schema["required"]) == set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_valid_events_are_accepted():
    assert check_event(TRANSACTION, json.dumps(transaction_document(7)).encode()).accepted
    assert check_event(INVENTORY_MOVEMENT, json.dumps(movement_document(7))).accepted


MALFORMED = {
    "truncated": b'{"event_id": "x", ',
    "not utf-8": b'{"event_id": "\xff\xfe"}',
    "empty": b"",
    "NaN": b'{"amount": NaN}',
    "trailing garbage": b'{"a": 1} extra',
}


@pytest.mark.parametrize("payload", list(MALFORMED.values()), ids=list(MALFORMED))
def test_payloads_that_are_not_json_are_malformed(payload):
    assert check_event(TRANSACTION, payload).reason == MALFORMED_JSON


# (change to a valid transaction, field the detail must name)
VIOLATIONS = {
    "amount as a JSON number": ({"amount": 12.5}, "amount"),
    "negative amount": ({"amount": "-3.00"}, "amount"),
    "amount with three decimals": ({"amount": "3.005"}, "amount"),
    "quantity zero": ({"quantity": 0}, "quantity"),
    "quantity as a float": ({"quantity": 2.0}, "quantity"),
    "quantity as text": ({"quantity": "2"}, "quantity"),
    "unknown channel": ({"channel": "fax"}, "channel"),
    "upper-case channel": ({"channel": "ONLINE"}, "channel"),
    "event_id not a uuid": ({"event_id": "abc"}, "event_id"),
    "impossible date": ({"event_time": "2026-02-30T10:00:00Z"}, "event_time"),
    "timestamp without zone": ({"event_time": "2026-02-03T10:00:00"}, "event_time"),
    "account id of another shape": ({"account_id": "C000001"}, "account_id"),
    "empty transaction id": ({"transaction_id": ""}, "transaction_id"),
    "unexpected field": ({"discount": "0.10"}, "discount"),
    "missing field": ({"channel": None}, "channel"),
}


@pytest.mark.parametrize("change,field", list(VIOLATIONS.values()), ids=list(VIOLATIONS))
def test_schema_violations_name_the_field(change, field):
    document = transaction_document(3)
    document.update(change)
    document = {name: value for name, value in document.items() if value is not None}
    verdict = check_event(TRANSACTION, json.dumps(document))
    assert verdict.reason == SCHEMA_VIOLATION
    assert field in verdict.detail


@pytest.mark.parametrize("version", [2, 99, 0])
def test_integer_versions_without_a_schema_are_unknown(version):
    verdict = check_event(TRANSACTION, json.dumps(transaction_document(1, event_version=version)))
    assert verdict.reason == UNKNOWN_EVENT_VERSION
    assert str(version) in verdict.detail


@pytest.mark.parametrize("version", ["1", None, 1.0, True])
def test_a_version_that_is_not_an_integer_is_a_schema_violation(version):
    document = transaction_document(1, event_version=version)
    assert check_event(TRANSACTION, json.dumps(document)).reason == SCHEMA_VIOLATION


def test_a_json_array_is_a_schema_violation():
    assert check_event(TRANSACTION, b"[1, 2]").reason == SCHEMA_VIOLATION


@pytest.mark.parametrize("change", [{"quantity_delta": 0}, {"reason": "theft"}, {"warehouse": ""}, {"quantity_delta": 1.5}])
def test_inventory_movement_rules(change):
    assert check_event(INVENTORY_MOVEMENT, json.dumps(movement_document(1, **change))).reason == SCHEMA_VIOLATION


def test_the_documented_example_events_pass_their_contract():
    text = PROJECT_DOCS.joinpath("streaming.md").read_text()
    examples = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    by_contract = {("transaction" if "transaction_id" in json.loads(example) else "inventory_movement"): example
                   for example in examples}
    assert len(examples) == len(CONTRACTS) and set(by_contract) == set(CONTRACTS)
    for name, example in by_contract.items():
        assert check_event(CONTRACTS[name], example).accepted, name
