"""Silver rules on tiny in-memory bronze frames: every rejection reason, cleaning, de-duplication.

Each case lists the raw fields of one row and the reason it must be rejected with (None = kept);
the expectations are written by hand from the documented rule order.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest

from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model import reasons as R
from jobs.refine.silver_rules import (
    validate_accounts,
    validate_customers,
    validate_inventory,
    validate_products,
    validate_transactions,
)

pytestmark = pytest.mark.spark

SOURCE_FILE = "raw/test.csv"
BATCH_ID = "b0"
QUARANTINE_COLUMNS = ["dataset", "reason", "record", "source_file", "batch_id"]


def bronze_frame(spark, dataset, rows):
    """Bronze-shaped frame: contract columns as strings, `_corrupt_record` and ingestion metadata.

    `rows` holds field tuples; a (fields, raw_line) pair stands for a malformed line, whose
    fields are what a CSV reader makes of it (missing ones NULL, surplus ones cut).
    """
    columns = [*RAW_COLUMNS[dataset], "_corrupt_record", "source_row", "source_file", "batch_id"]
    data = []
    for position, row in enumerate(rows, start=1):
        corrupt = row[1] if isinstance(row[0], tuple) else None
        data.append((*raw_fields(dataset, row), corrupt, position, SOURCE_FILE, BATCH_ID))
    schema = ", ".join(f"{name} {'bigint' if name == 'source_row' else 'string'}" for name in columns)
    return spark.createDataFrame(data, schema)


def raw_fields(dataset, row):
    fields = row[0] if isinstance(row[0], tuple) else row
    width = len(RAW_COLUMNS[dataset])
    return (*fields, *[None] * width)[:width]


def expected_record(dataset, row):
    record = dict(zip(RAW_COLUMNS[dataset], raw_fields(dataset, row), strict=True))
    if isinstance(row[0], tuple):
        record["_corrupt_record"] = row[1]
    return record


def check_outcome(dataset, cases, validated, key):
    """Compare silver and quarantine with the hand-written expectations of `cases`; return silver rows."""
    silver = validated.silver.collect()
    rejects = validated.rejects.collect()
    assert validated.rejects.columns == QUARANTINE_COLUMNS
    assert len(silver) + len(rejects) == len(cases)

    expected_kept = sorted(raw_fields(dataset, row)[key].strip() for row, reason in cases if reason is None)
    assert sorted(getattr(row, RAW_COLUMNS[dataset][key]) for row in silver) == expected_kept

    seen = Counter((json.dumps(json.loads(row.record), sort_keys=True), row.reason) for row in rejects)
    expected = Counter(
        (json.dumps(expected_record(dataset, row), sort_keys=True), reason) for row, reason in cases if reason
    )
    assert seen == expected
    assert {(row.dataset, row.source_file, row.batch_id) for row in rejects} == {(dataset, SOURCE_FILE, BATCH_ID)}
    return silver


def ids_frame(spark, column, values):
    return spark.createDataFrame([(value,) for value in values], f"{column} string")


TS = "2025-01-01T10:00:00"


def test_transactions_every_reason_in_rule_order(spark):
    t01 = ("T01", "A1", "P1", "10.00", "1", TS, "online")
    cases = [
        (t01, None),
        ((" T02 ", "A1", "P1", "5.5", "2", "2025-01-01T11:00:00Z", " Store "), None),
        ((("T03", "A1"), "T03,A1"), R.MALFORMED_ROW),
        ((("T04", "A1", "P1", "1.00", "1", TS, "online", "x"), "T04,A1,P1,1.00,1,2025-01-01T10:00:00,online,x"),
         R.MALFORMED_ROW),
        (("T05", "A1", "P1", None, "1", TS, "online"), R.MISSING_REQUIRED_FIELD),
        (("T06", "A1", "P1", "1.00", "1", TS, "   "), R.MISSING_REQUIRED_FIELD),
        (("T07", "A1", "P1", "ten", "1", TS, "online"), R.INVALID_NUMBER),
        (("T08", "A1", "P1", "1.00", "1.5", TS, "online"), R.INVALID_NUMBER),
        (("T09", "A9", "P1", "abc", "1", TS, "online"), R.INVALID_NUMBER),  # type rule before reference
        (("T10", "A1", "P1", "1.00", "1", "2025-02-30T10:00:00", "online"), R.INVALID_TIMESTAMP),
        (("T11", "A1", "P1", "-1.00", "0", TS, "fax"), R.NEGATIVE_AMOUNT),  # amount is the first value rule
        (("T12", "A1", "P1", "1.00", "0", TS, "online"), R.NON_POSITIVE_QUANTITY),
        (("T13", "A1", "P1", "1.00", "-3", TS, "online"), R.NON_POSITIVE_QUANTITY),
        (("T14", "A1", "P1", "1.00", "1", TS, "fax"), R.UNKNOWN_CHANNEL),
        (("T15", "A9", "P9", "1.00", "1", TS, "online"), R.UNKNOWN_ACCOUNT),  # account before product
        (("T16", "A1", "P9", "1.00", "1", TS, "online"), R.UNKNOWN_PRODUCT),
        (t01, R.DUPLICATE_ROW),
        (("T17", "A1", "P1", "20.00", "1", TS, "online"), None),
        # Same id, other content, later in the file: rejected although it sorts first by content.
        (("T17", "A1", "P1", "1.00", "1", TS, "online"), R.DUPLICATE_TRANSACTION_ID),
        (("T18", "A2", "P1", "0.00", "3", TS, "phone"), None),
    ]
    validated = validate_transactions(
        bronze_frame(spark, "transactions", [row for row, _ in cases]),
        ids_frame(spark, "account_id", ["A1", "A2"]),
        ids_frame(spark, "product_id", ["P1"]),
    )
    silver = check_outcome("transactions", cases, validated, key=0)

    by_id = {row.transaction_id: row for row in silver}
    assert by_id["T02"].amount == Decimal("5.50")
    assert by_id["T02"].quantity == 2
    assert by_id["T02"].channel == "store"
    assert by_id["T02"].transaction_ts == datetime(2025, 1, 1, 11, 0)
    assert by_id["T17"].amount == Decimal("20.00")
    assert validated.silver.schema["amount"].dataType.simpleString() == "decimal(12,2)"
    assert validated.silver.schema["transaction_ts"].dataType.simpleString() == "timestamp_ntz"


def test_customers_keep_versions_and_reject_bad_ones(spark):
    first = ("C1", "Ann Lee", " Ann.Lee@Example.COM ", "Paris, France", "Individual", "2024-01-01T00:00:00")
    cases = [
        (first, None),
        (("C1", "Ann Lee", "ann.lee@example.com", "Lyon, France", "Individual", "2024-06-01T00:00:00"), None),
        (("C1", "Ann Lee", "ann.lee@example.com", "Nice, France", "Individual", "2024-09-01T00:00:00"), None),
        # Same version once cleaned (trim, lower-case email): an exact duplicate.
        (("C1", " Ann Lee ", "ann.lee@example.com", "Paris, France", "Individual", "2024-01-01T00:00:00"),
         R.DUPLICATE_ROW),
        # Same customer and time, other location: a conflicting version.
        (("C1", "Ann Lee", "ann.lee@example.com", "Rome, Italy", "Individual", "2024-06-01T00:00:00"),
         R.DUPLICATE_CUSTOMER_VERSION),
        (("C2", "Bob", "bob@", "Oslo, Norway", "Business", "2024-01-01T00:00:00"), R.INVALID_EMAIL),
        (("C3", "Cy", "cy example.com", "Oslo, Norway", "Business", "2024-01-01T00:00:00"), R.INVALID_EMAIL),
        (("C4", "Di", "di@example.com", "Oslo, Norway", "Business", "yesterday"), R.INVALID_TIMESTAMP),
        (("C5", "", "ed@example.com", "Oslo, Norway", "Business", "2024-01-01T00:00:00"), R.MISSING_REQUIRED_FIELD),
    ]
    validated = validate_customers(bronze_frame(spark, "customers", [row for row, _ in cases]))
    silver = check_outcome("customers", cases, validated, key=0)

    versions = sorted((row.updated_at, row.location, row.email, row.name) for row in silver)
    assert versions == [
        (datetime(2024, 1, 1), "Paris, France", "ann.lee@example.com", "Ann Lee"),
        (datetime(2024, 6, 1), "Lyon, France", "ann.lee@example.com", "Ann Lee"),
        (datetime(2024, 9, 1), "Nice, France", "ann.lee@example.com", "Ann Lee"),
    ]


def test_products_prices_and_duplicates(spark):
    laptop = ("P1", "Laptop", "Electronics", "Acme", "500.00", "800.00")
    cases = [
        (laptop, None),
        (laptop, R.DUPLICATE_ROW),
        (("P1", "Laptop Pro", "Electronics", "Acme", "600.00", "900.00"), R.DUPLICATE_PRODUCT_ID),
        (("P2", "Toy", "Toys", "Acme", "-1.00", "3.00"), R.NEGATIVE_PRICE),
        (("P3", "Toy", "Toys", "Acme", "1.00", "-3.00"), R.NEGATIVE_PRICE),
        (("P4", "Toy", "Toys", "Acme", "1,00", "3.00"), R.INVALID_NUMBER),
        (("P5", "Book", "Books", "Paper Co", "0", "12.5"), None),
    ]
    validated = validate_products(bronze_frame(spark, "products", [row for row, _ in cases]))
    silver = check_outcome("products", cases, validated, key=0)
    prices = {row.product_id: (row.cost_price, row.list_price) for row in silver}
    assert prices == {"P1": (Decimal("500.00"), Decimal("800.00")), "P5": (Decimal("0.00"), Decimal("12.50"))}


def test_accounts_need_exactly_one_primary_holder(spark):
    account_cases = [
        (("A1", "Checking", "100.50", "2023-05-01"), None),
        (("A2", "Savings", "-20.00", "2023-06-01"), None),  # a negative balance is allowed (overdraft)
        (("A3", "Credit", "0.00", "2023-07-01"), R.MISSING_PRIMARY_HOLDER),  # only a Secondary holder
        (("A4", "Checking", "10.00", "2023-13-01"), R.INVALID_DATE),
        (("A5", "Savings", "lots", "2023-01-01"), R.INVALID_NUMBER),
        (("A1", "Savings", "5.00", "2023-05-01"), R.DUPLICATE_ACCOUNT_ID),
        (("A6", "Business", "1.00", "2023-01-01"), R.MISSING_PRIMARY_HOLDER),  # no holder at all
    ]
    holder_cases = [
        (("C1", "A1", "Primary"), None),
        (("C2", "A1", " secondary "), None),  # cleaned to Secondary
        (("C2", "A2", "PRIMARY"), None),
        (("C1", "A2", "Primary"), R.DUPLICATE_PRIMARY_HOLDER),
        (("C3", "A2", "Secondary"), None),
        (("C1", "A3", "Secondary"), R.UNKNOWN_ACCOUNT),  # its account has no Primary
        (("C9", "A1", "Secondary"), R.UNKNOWN_CUSTOMER),
        (("C1", "A4", "Primary"), R.UNKNOWN_ACCOUNT),  # its account is invalid
        (("C3", "A1", "Owner"), R.INVALID_RELATIONSHIP_TYPE),
        (("C2", "A1", "Secondary"), R.DUPLICATE_ROW),
        (("C3", "A1", "Primary"), R.DUPLICATE_PRIMARY_HOLDER),
        (("C3", "A2", "Primary"), R.DUPLICATE_CUSTOMER_ACCOUNT),
    ]
    accounts, holders = validate_accounts(
        bronze_frame(spark, "accounts", [row for row, _ in account_cases]),
        bronze_frame(spark, "customer_accounts", [row for row, _ in holder_cases]),
        ids_frame(spark, "customer_id", ["C1", "C2", "C3"]),
    )
    silver_accounts = check_outcome("accounts", account_cases, accounts, key=0)
    silver_holders = check_outcome("customer_accounts", holder_cases, holders, key=0)

    assert {(row.account_id, row.balance, row.opened_date) for row in silver_accounts} == {
        ("A1", Decimal("100.50"), date(2023, 5, 1)),
        ("A2", Decimal("-20.00"), date(2023, 6, 1)),
    }
    roles = sorted((row.account_id, row.customer_id, row.relationship_type) for row in silver_holders)
    assert roles == [
        ("A1", "C1", "Primary"), ("A1", "C2", "Secondary"), ("A2", "C2", "Primary"), ("A2", "C3", "Secondary"),
    ]


def test_inventory_quantities_references_and_grain(spark):
    first = ("S1", "P1", "Lyon", "2025-01-01", "10", "5")
    cases = [
        (first, None),
        (first, R.DUPLICATE_ROW),
        (("S1", "P1", "Lyon", "2025-01-02", "7", "5"), R.DUPLICATE_STOCK_ID),
        (("S2", "P1", "Lyon", "2025-01-01", "9", "5"), R.DUPLICATE_STOCK_SNAPSHOT),
        (("S3", "P1", "Oslo", "2025-01-01", "0", "0"), None),
        (("S4", "P1", "Oslo", "2025-01-02", "-1", "5"), R.NEGATIVE_QUANTITY),
        (("S5", "P1", "Oslo", "2025-01-03", "1", "-5"), R.NEGATIVE_QUANTITY),
        (("S6", "P9", "Oslo", "2025-01-01", "1", "5"), R.UNKNOWN_PRODUCT),
        (("S7", "P1", "Oslo", "01/04/2025", "1", "5"), R.INVALID_DATE),
        (("S8", "P1", "Oslo", "2025-01-05", "2.5", "5"), R.INVALID_NUMBER),
    ]
    validated = validate_inventory(
        bronze_frame(spark, "inventory", [row for row, _ in cases]), ids_frame(spark, "product_id", ["P1"])
    )
    silver = check_outcome("inventory", cases, validated, key=0)
    assert {(row.stock_id, row.snapshot_date, row.quantity) for row in silver} == {
        ("S1", date(2025, 1, 1), 10), ("S3", date(2025, 1, 1), 0),
    }
