"""A small clean silver layer written with pyarrow, with the column types silver has.

Values come from the constants silver and the generator define (channels, account types,
warehouses, categories), so a clean layer passes every critical and warning expectation. The
latest transaction is a few days before today, so the freshness warning holds whenever the
tests run.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jobs.config import Settings
from jobs.model.values import ACCOUNT_TYPES, CHANNELS, PRODUCT_CATEGORIES, WAREHOUSES

CUSTOMERS = 40
PRODUCTS = 20
ACCOUNTS = 50
TRANSACTIONS = 300
SNAPSHOT_DAYS = 3
MONEY = pa.decimal128(12, 2)
TIMESTAMP = pa.timestamp("us")

SCHEMAS = {
    "customers": pa.schema([("customer_id", pa.string()), ("name", pa.string()), ("email", pa.string()),
                            ("location", pa.string()), ("customer_type", pa.string()), ("updated_at", TIMESTAMP)]),
    "products": pa.schema([("product_id", pa.string()), ("product_name", pa.string()), ("category", pa.string()),
                           ("supplier", pa.string()), ("cost_price", MONEY), ("list_price", MONEY)]),
    "accounts": pa.schema([("account_id", pa.string()), ("account_type", pa.string()),
                           ("balance", pa.decimal128(14, 2)), ("opened_date", pa.date32())]),
    "customer_accounts": pa.schema([("customer_id", pa.string()), ("account_id", pa.string()),
                                    ("relationship_type", pa.string())]),
    "transactions": pa.schema([("transaction_id", pa.string()), ("account_id", pa.string()),
                               ("product_id", pa.string()), ("amount", MONEY), ("quantity", pa.int32()),
                               ("transaction_ts", TIMESTAMP), ("channel", pa.string())]),
    "inventory": pa.schema([("stock_id", pa.string()), ("product_id", pa.string()), ("warehouse", pa.string()),
                            ("snapshot_date", pa.date32()), ("quantity", pa.int32()), ("reorder_point", pa.int32())]),
}


def clean_silver_rows() -> dict[str, list[dict]]:
    """Every silver dataset as rows: consistent references, one Primary holder per account."""
    last_day = datetime.combine(date.today(), datetime.min.time()) - timedelta(days=3)
    customers = []
    for i in range(1, CUSTOMERS + 1):
        versions = 2 if i % 5 == 0 else 1  # every fifth customer moved once
        for version in range(versions):
            customers.append({
                "customer_id": f"C{i:03d}", "name": f"Customer {i}", "email": f"customer{i}@example.com",
                "location": f"City {i + version}", "customer_type": "Business" if i % 7 == 0 else "Individual",
                "updated_at": datetime(2024, 1, 1) + timedelta(days=i + 100 * version),
            })
    products = [{
        "product_id": f"P{i:02d}", "product_name": f"Product {i}", "category": PRODUCT_CATEGORIES[i % len(PRODUCT_CATEGORIES)],
        "supplier": f"Supplier {i % 4}", "cost_price": Decimal(f"{i * 3}.25"), "list_price": Decimal(f"{i * 5}.99"),
    } for i in range(1, PRODUCTS + 1)]
    accounts = [{
        "account_id": f"A{i:03d}", "account_type": ACCOUNT_TYPES[i % len(ACCOUNT_TYPES)],
        "balance": Decimal(f"{i * 100}.50"), "opened_date": date(2023, 1, 1) + timedelta(days=i),
    } for i in range(1, ACCOUNTS + 1)]
    holders = [{"customer_id": f"C{(i - 1) % CUSTOMERS + 1:03d}", "account_id": f"A{i:03d}",
                "relationship_type": "Primary"} for i in range(1, ACCOUNTS + 1)]
    holders += [{"customer_id": f"C{(i + 9) % CUSTOMERS + 1:03d}", "account_id": f"A{i:03d}",
                 "relationship_type": "Secondary"} for i in range(1, ACCOUNTS + 1, 10)]
    transactions = [{
        "transaction_id": f"T{i:04d}", "account_id": f"A{i % ACCOUNTS + 1:03d}", "product_id": f"P{i % PRODUCTS + 1:02d}",
        "amount": Decimal(f"{i % 97 + 1}.{i % 100:02d}"), "quantity": i % 4 + 1,
        "transaction_ts": last_day - timedelta(hours=7 * i), "channel": CHANNELS[i % len(CHANNELS)],
    } for i in range(1, TRANSACTIONS + 1)]
    inventory = [{
        "stock_id": f"S{p:02d}{w}{d}", "product_id": f"P{p:02d}", "warehouse": warehouse,
        "snapshot_date": last_day.date() - timedelta(days=7 * d), "quantity": (p * 3 + w + d) % 50,
        "reorder_point": 10,
    } for p in range(1, PRODUCTS + 1) for w, warehouse in enumerate(WAREHOUSES) for d in range(SNAPSHOT_DAYS)]
    return {"customers": customers, "products": products, "accounts": accounts, "customer_accounts": holders,
            "transactions": transactions, "inventory": inventory}


def write_silver(settings: Settings, rows: dict[str, list[dict]]) -> None:
    """Replace `<silver>/<dataset>/` with `rows`, plus the trace columns silver keeps."""
    for dataset, records in rows.items():
        schema = SCHEMAS[dataset].append(pa.field("source_file", pa.string())).append(pa.field("batch_id", pa.string()))
        traced = [{**record, "source_file": f"{dataset}.csv", "batch_id": "batch-1"} for record in records]
        folder = Path(settings.layer_uri("silver")) / dataset
        for old in folder.glob("*.parquet"):
            old.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(traced, schema=schema), folder / "part-00000.parquet")
