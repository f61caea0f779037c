"""Gold model on tiny in-memory silver frames: SCD2 customers, calendar, facts and RFM.

Expected rows are computed here with plain Python (datetime, sums), not with Spark.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from chispa import assert_df_equality

from jobs.serve.gold_model import (
    build_customer_behavior,
    build_dim_customer,
    build_dim_date,
    build_fact_inventory,
    build_fact_transaction,
)

pytestmark = pytest.mark.spark

CUSTOMER_SCHEMA = (
    "customer_id string, name string, email string, location string, customer_type string, updated_at timestamp_ntz, "
    "source_file string"
)
TRANSACTION_SCHEMA = (
    "transaction_id string, account_id string, product_id string, amount decimal(12,2), quantity int, "
    "transaction_ts timestamp_ntz, channel string"
)
INVENTORY_SCHEMA = (
    "stock_id string, product_id string, warehouse string, snapshot_date date, quantity int, reorder_point int"
)
OPEN_END = datetime(9999, 12, 31, 0, 0, 0)


def customer(customer_id, location, updated_at, name="Ann Lee", extract="customers_2024-12-31.csv"):
    return (customer_id, name, f"{customer_id.lower()}@example.com", location, "Individual", updated_at, extract)


def test_dim_customer_is_scd2_with_collapsed_repeats(spark):
    versions = [
        customer("C1", "Lyon, France", datetime(2024, 6, 1)),
        customer("C1", "Paris, France", datetime(2024, 1, 1)),
        customer("C1", "Nice, France", datetime(2024, 9, 1, 12, 30)),
        customer("C1", "Paris, France", datetime(2024, 3, 1)),  # no change: merged into the Paris version
        customer("C0", "Oslo, Norway", datetime(2024, 2, 1)),
        customer("C2", "Rome, Italy", datetime(2024, 1, 1)),
        customer("C2", "Bari, Italy", datetime(2024, 2, 1)),
        customer("C2", "Rome, Italy", datetime(2024, 3, 1)),  # moved back: a new version
    ]
    expected_versions = [
        ("C0", "Oslo, Norway", datetime(2024, 2, 1), OPEN_END, True),
        ("C1", "Paris, France", datetime(2024, 1, 1), datetime(2024, 6, 1), False),
        ("C1", "Lyon, France", datetime(2024, 6, 1), datetime(2024, 9, 1, 12, 30), False),
        ("C1", "Nice, France", datetime(2024, 9, 1, 12, 30), OPEN_END, True),
        ("C2", "Rome, Italy", datetime(2024, 1, 1), datetime(2024, 2, 1), False),
        ("C2", "Bari, Italy", datetime(2024, 2, 1), datetime(2024, 3, 1), False),
        ("C2", "Rome, Italy", datetime(2024, 3, 1), OPEN_END, True),
    ]
    ordered = sorted(expected_versions, key=lambda version: (version[0], version[2]))
    expected_rows = [
        (key, cid, "Ann Lee", f"{cid.lower()}@example.com", location, "Individual", valid_from, valid_to, current)
        for key, (cid, location, valid_from, valid_to, current) in enumerate(ordered, start=1)
    ]

    actual = build_dim_customer(spark.createDataFrame(versions, CUSTOMER_SCHEMA))
    expected = spark.createDataFrame(expected_rows, actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_dim_date_covers_every_day_with_iso_calendar_fields(spark):
    transactions = spark.createDataFrame(
        [
            ("T1", "A1", "P1", Decimal("1.00"), 1, datetime(2024, 12, 30, 23, 59, 59), "online"),
            ("T2", "A1", "P1", Decimal("1.00"), 1, datetime(2025, 1, 4, 0, 0, 0), "store"),
        ],
        TRANSACTION_SCHEMA,
    )
    inventory = spark.createDataFrame([("S1", "P1", "Lyon", date(2025, 1, 1), 1, 1)], INVENTORY_SCHEMA)
    days = [date(2024, 12, 30) + timedelta(days=offset) for offset in range(6)]
    expected_rows = [
        (
            int(day.strftime("%Y%m%d")), day, day.year, (day.month - 1) // 3 + 1, day.month, day.strftime("%B"),
            day.isocalendar().week, day.day, day.isoweekday(), day.strftime("%A"), day.isoweekday() >= 6,
        )
        for day in days
    ]
    # Spot checks written out: 2024-12-30 is a Monday in ISO week 1 of 2025, 2025-01-04 a Saturday.
    assert expected_rows[0][6] == 1 and expected_rows[0][9] == "Monday"
    assert expected_rows[-1][8:] == (6, "Saturday", True)

    actual = build_dim_date(transactions, inventory)
    expected = spark.createDataFrame(expected_rows, actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_facts_are_keyed_to_dim_date(spark):
    transactions = spark.createDataFrame(
        [("T1", "A1", "P1", Decimal("12.50"), 2, datetime(2025, 3, 9, 23, 59, 59), "mobile")], TRANSACTION_SCHEMA
    )
    inventory = spark.createDataFrame([("S1", "P1", "Lyon", date(2025, 3, 10), 4, 2)], INVENTORY_SCHEMA)

    fact = build_fact_transaction(transactions).collect()
    stock = build_fact_inventory(inventory).collect()

    assert [row.asDict() for row in fact] == [{
        "transaction_id": "T1", "date_key": 20250309, "account_id": "A1", "product_id": "P1",
        "amount": Decimal("12.50"), "quantity": 2, "transaction_ts": datetime(2025, 3, 9, 23, 59, 59),
        "channel": "mobile",
    }]
    assert [row.asDict() for row in stock] == [{
        "stock_id": "S1", "date_key": 20250310, "product_id": "P1", "warehouse": "Lyon",
        "snapshot_date": date(2025, 3, 10), "quantity": 4, "reorder_point": 2,
    }]


def test_customer_behavior_rfm_over_held_accounts(spark):
    customers = [
        customer("C1", "Paris, France", datetime(2024, 1, 1)),
        customer("C1", "Lyon, France", datetime(2024, 6, 1)),  # two versions, one behaviour row
        customer("C2", "Oslo, Norway", datetime(2024, 1, 1)),
        customer("C3", "Rome, Italy", datetime(2024, 1, 1)),  # holds no account
    ]
    holders = [("C1", "A1", "Primary"), ("C2", "A1", "Secondary"), ("C2", "A2", "Primary")]
    category = {"P1": "Electronics", "P2": "Books"}
    transactions = [
        ("T1", "A1", "P1", Decimal("800.00"), 1, datetime(2025, 1, 30, 10, 0), "online"),
        ("T2", "A1", "P2", Decimal("25.00"), 2, datetime(2025, 2, 1, 9, 30), "store"),
        ("T3", "A2", "P2", Decimal("12.50"), 1, datetime(2025, 2, 3, 18, 0), "mobile"),
    ]
    as_of = max(tx[5] for tx in transactions).date()
    first_day = min(tx[5] for tx in transactions).date()
    expected = {}
    for customer_id in sorted({c[0] for c in customers}):
        accounts = {account for holder, account, _ in holders if holder == customer_id}
        bought = [tx for tx in transactions if tx[1] in accounts]
        last = max((tx[5] for tx in bought), default=None)
        expected[customer_id] = {
            "as_of_date": as_of,
            "recency_days": ((as_of - last.date()) if last else (as_of - first_day)).days,
            "frequency": len(bought),
            "monetary": sum((tx[3] for tx in bought), Decimal("0.00")),
            "distinct_categories": len({category[tx[2]] for tx in bought}),
            "last_transaction_ts": last,
            "churn_flag": None, "churn_score": None, "segment": None, "cross_sell_candidates": None,
            "model_version": None,
        }
    # Hand check of the plain-Python expectation: C2 holds both accounts, C3 none.
    assert expected["C2"]["frequency"] == 3 and expected["C2"]["monetary"] == Decimal("837.50")
    assert expected["C3"]["recency_days"] == 4

    actual = build_customer_behavior(
        spark.createDataFrame(customers, CUSTOMER_SCHEMA),
        spark.createDataFrame(holders, "customer_id string, account_id string, relationship_type string"),
        spark.createDataFrame(transactions, TRANSACTION_SCHEMA),
        spark.createDataFrame(
            [(pid, f"name {pid}", cat, "Acme", Decimal("1.00"), Decimal("2.00")) for pid, cat in category.items()],
            "product_id string, product_name string, category string, supplier string, "
            "cost_price decimal(12,2), list_price decimal(12,2)",
        ),
    ).collect()

    by_customer = {row.customer_id: {k: v for k, v in row.asDict().items() if k != "customer_id"} for row in actual}
    assert by_customer == expected


def test_customer_keys_never_change_when_customers_that_sort_first_arrive(spark):
    first = [
        customer("C5", "Oslo, Norway", datetime(2024, 1, 1)),
        customer("C5", "Bergen, Norway", datetime(2024, 5, 1)),
        customer("C7", "Rome, Italy", datetime(2024, 2, 1)),
    ]
    published = build_dim_customer(spark.createDataFrame(first, CUSTOMER_SCHEMA))
    keys = {(row["customer_id"], row["valid_from"]): row["customer_key"] for row in published.collect()}
    assert sorted(keys.values()) == [1, 2, 3]

    # Later: a customer whose id sorts before all others, and a new version of C7.
    later = [*first, customer("C1", "Lyon, France", datetime(2024, 3, 1)), customer("C7", "Bari, Italy", datetime(2024, 6, 1))]
    rebuilt = build_dim_customer(spark.createDataFrame(later, CUSTOMER_SCHEMA), known_keys=published)
    again = {(row["customer_id"], row["valid_from"]): row["customer_key"] for row in rebuilt.collect()}
    assert {version: again[version] for version in keys} == keys
    new = {version: key for version, key in again.items() if version not in keys}
    assert new == {("C1", datetime(2024, 3, 1)): 4, ("C7", datetime(2024, 6, 1)): 5}


def test_one_build_over_every_extract_numbers_versions_as_one_build_per_extract_did(spark):
    day_1 = [customer("C5", "Oslo, Norway", datetime(2024, 1, 1), extract="customers_2025-01-01.csv"),
             customer("C7", "Rome, Italy", datetime(2024, 2, 1), extract="customers_2025-01-01.csv")]
    day_2 = [customer("C1", "Lyon, France", datetime(2024, 3, 1), extract="customers_2025-01-02.csv"),
             customer("C5", "Bergen, Norway", datetime(2024, 5, 1), extract="customers_2025-01-02.csv")]
    after_day_1 = build_dim_customer(spark.createDataFrame(day_1, CUSTOMER_SCHEMA))
    after_day_2 = build_dim_customer(spark.createDataFrame(day_1 + day_2, CUSTOMER_SCHEMA), known_keys=after_day_1)
    at_once = build_dim_customer(spark.createDataFrame(day_1 + day_2, CUSTOMER_SCHEMA))

    assert_df_equality(at_once, after_day_2, ignore_row_order=True, ignore_nullable=True)
    keys = {(row["customer_id"], row["location"]): row["customer_key"] for row in at_once.collect()}
    assert keys == {("C5", "Oslo, Norway"): 1, ("C7", "Rome, Italy"): 2, ("C1", "Lyon, France"): 3,
                    ("C5", "Bergen, Norway"): 4}


def test_a_table_whose_ddl_declares_a_column_its_input_lacks_is_refused_in_one_line(spark):
    from jobs.errors import PlatformError
    from jobs.refine.conform import conform

    products = spark.createDataFrame([("P0001", "Pro Router", "Electronics", "Acme", "1.00")],
                                     "product_id string, product_name string, category string, supplier string, cost_price string")
    with pytest.raises(PlatformError, match=r"^table dim_product of sql/ddl/star_schema.sql declares list_price, "
                                            r"which its input does not have$"):
        conform(products, "dim_product")
