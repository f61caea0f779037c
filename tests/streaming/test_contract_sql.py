"""The JVM half of the contract check (jobs.stream.contract_sql) against check_event, the
definition: on a corpus of valid and broken payloads, every payload it vouches for is one
check_event accepts, and the valid events of the platform's producers are vouched for."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from jobs.model.contracts import CONTRACTS, INVENTORY_MOVEMENT, TRANSACTION, EventContract, check_event
from jobs.stream.contract_sql import java_pattern, with_undecided
from stream_io import movement_document, transaction_document

pytestmark = pytest.mark.spark

ODD_VALUES = [None, True, False, 0, 1, -1, 1.0, 1e2, 2**63, 10**30, "", " ", "x", [], {}, [1], {"a": 1},
              "T1\n", "T1\r", "A1\n", "P1\u2028", "T\u0661", "P\uff11", "x" * 300]
FIELD_VALUES = {
    "event_time": ["2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2026-01-01T24:00:00Z",
                   "2026-01-01T23:59:60Z", "2026-01-01T23:59:59.5Z", "2026-01-01T23:59:59.1234567Z",
                   "2026-01-01t23:59:59Z", "2026-01-01T23:59:59z", "2026-01-01T23:59:59+00:00", "2026-01-01T23:59:59Z\n",
                   "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                   "2026-1-01T00:00:00Z", "\u0662026-01-01T00:00:00Z"],
    "event_id": ["6F1D3C52-7F0E-4B8E-9A51-2F0C4D7A9E10", "{6f1d3c52-7f0e-4b8e-9a51-2f0c4d7a9e10}",
                 "6f1d3c527f0e4b8e9a512f0c4d7a9e10", "urn:uuid:6f1d3c52-7f0e-4b8e-9a51-2f0c4d7a9e10",
                 "6f1d3c52-7f0e-4b8e-9a51-2f0c4d7a9e10\n", "6f1d3c52-7f0e-4b8e-9a51-2f0c4d7a9e1g"],
    "amount": ["1.5", "01.00", "1234567890.12", "12345678901.12", "1.00\n", "-1.00", "1.001", "\uff11.00"],
    "quantity": [10000, 10001, -5, 2.0, "2", 1e0, 0],
    "quantity_delta": [0, 100000, -100000, 100001, 1.5, "3"],
    "channel": ["online", "ONLINE", "online\n", "fax"],
    "reason": ["sale", "theft", "sale\n"],
    "warehouse": ["", "w" * 64, "w" * 65, "\u00e9" * 64, "\U0001d11e" * 64, "North\nHub"],
    "event_version": [1, 1.0, "1", True, 2, 0],
    "transaction_id": ["T1", "T" + "9" * 31, "T" + "9" * 32, "t1", "T1 ", "T1\n", "T1\r"],
}


def _documents(contract: EventContract) -> list[dict]:
    valid = transaction_document(7) if contract is TRANSACTION else movement_document(7)
    documents = [valid, {}, {**valid, "extra": "x"}]
    for field in valid:
        documents.append({name: value for name, value in valid.items() if name != field})
        documents += [{**valid, field: value} for value in ODD_VALUES + FIELD_VALUES.get(field, [])]
    return documents


def _payloads(contract: EventContract) -> list[bytes]:
    valid = json.dumps(transaction_document(8) if contract is TRANSACTION else movement_document(8))
    shapes = [valid.encode(), valid.replace(", ", ",").encode(), json.dumps(json.loads(valid), indent=2).encode(),
              f" \r\n{valid}\t\n".encode(), ("\ufeff" + valid).encode(), valid.encode() + b" x", (valid + valid).encode(),
              valid.replace('"event_version": 1', '"event_version": 1, "event_version": 1').encode(),
              valid.replace('"event_version": 1', '"event_version": 2, "event_version": 1').encode(),
              valid.replace('"event_id"', '"\\u0065vent_id"').encode(), valid.replace("1", "\\u0031", 1).encode(),
              valid.replace('"event_version": 1', '"event_version": NaN').encode(),
              valid.replace('"event_version": 1', '"event_version": 01').encode(),
              valid.replace('"event_version": 1', '"event_version": 1.').encode(),
              valid[:-1].encode() + b', "pad": "' + b" " * 9000 + b'"}', valid[:-1].encode() + b" " * 9000 + b"}",
              valid.encode().replace(b'"event_id": "', b'"event_id": "\xff'), valid.encode().replace(b'"event_id": "', b'"event_id": "\xc0\xaf'),
              valid.replace('"event_id": "', '"event_id": "\\ud800').encode(), valid.encode().replace(b"North Hub", b"North\xffHub"),
              valid.replace('"event_id": "', '"event_id": "\x01').encode(), b"", b"null", b"[]", b"1", b'"x"', b"{}",
              valid.encode("utf-16")]
    return shapes + [json.dumps(document).encode() for document in _documents(contract)]


def _undecided(spark, contract: EventContract, payloads: list[bytes]) -> list[bool]:
    rows = spark.createDataFrame([(index, payload) for index, payload in enumerate(payloads)], "position int, value binary")
    found = {row["position"]: row["_undecided"] for row in with_undecided(rows, contract, "_undecided", "_texts").collect()}
    return [found[index] for index in range(len(payloads))]


@pytest.mark.parametrize("contract", list(CONTRACTS.values()), ids=list(CONTRACTS))
def test_every_payload_it_vouches_for_the_contract_accepts(spark, contract):
    payloads = _payloads(contract)
    undecided = _undecided(spark, contract, payloads)
    vouched = [payload for payload, open_question in zip(payloads, undecided, strict=True) if not open_question]
    assert [payload for payload in vouched if not check_event(contract, payload).accepted] == []
    accepted = [payload for payload in payloads if check_event(contract, payload).accepted]
    # The corpus has both kinds, and the check left few valid payloads to Python.
    assert 10 <= len(vouched) and len(accepted) - len(vouched) <= 12
    assert len(payloads) - len(accepted) >= 100


@pytest.mark.parametrize("contract", list(CONTRACTS.values()), ids=list(CONTRACTS))
def test_the_events_of_the_platform_are_vouched_for(spark, contract):
    make = transaction_document if contract is TRANSACTION else movement_document
    documents = [make(number) for number in range(200)]
    payloads = [json.dumps(document, separators=(",", ":")).encode() for document in documents[:100]]
    payloads += [json.dumps(document, indent=1).encode() for document in documents[100:]]
    assert all(check_event(contract, payload).accepted for payload in payloads)
    assert _undecided(spark, contract, payloads) == [False] * len(payloads)


def test_a_keyword_it_does_not_translate_leaves_every_payload_to_check_event(spark):
    schema = json.loads(json.dumps(INVENTORY_MOVEMENT.schema(1)))
    schema["properties"]["quantity_delta"]["multipleOf"] = 2
    contract = replace(INVENTORY_MOVEMENT, schemas={1: schema})
    payloads = [json.dumps(movement_document(number, quantity_delta=delta)).encode()
                for number, delta in enumerate([2, 3, -4])]
    assert _undecided(spark, INVENTORY_MOVEMENT, payloads) == [False, False, False]
    assert _undecided(spark, contract, payloads) == [True, True, True]


@pytest.mark.parametrize("pattern,translated", [
    ("^T[0-9A-Z]{1,31}$", "^T[0-9A-Z]{1,31}\\z"),
    ("^[0-9]{1,10}\\.[0-9]{2}$", "^[0-9]{1,10}\\.[0-9]{2}\\z"),
    ("^P[0-9]+", "^P[0-9]+"),
])
def test_a_final_dollar_becomes_the_end_of_the_text(pattern, translated):
    assert java_pattern(pattern) == translated


@pytest.mark.parametrize("pattern", ["^a$|^b$", "(?i)^t1$", "[a-z&&[^b]]", "^\\w+$\\n", "\\Z"])
def test_patterns_whose_java_meaning_may_differ_are_not_translated(pattern):
    with pytest.raises(ValueError):
        java_pattern(pattern)
