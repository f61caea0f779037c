"""The generated model as CSV columns, one function per raw dataset or truth file.

Each function returns the columns in contract order as pyarrow string arrays.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jobs.generator import csv_text
from jobs.generator.accounts import Accounts, account_ids
from jobs.generator.dirty import DirtyRows, transaction_id
from jobs.generator.inventory import Inventory
from jobs.generator.people import Customers, customer_ids
from jobs.generator.planted_anomalies import ANOMALY_TYPES, PlantedAnomalies
from jobs.generator.pools import Pools
from jobs.generator.products import CATEGORIES, Products, product_ids
from jobs.generator.timeline import Timeline
from jobs.generator.transactions import TransactionRows
from jobs.model.values import ACCOUNT_TYPES, CHANNELS, PRIMARY, SECONDARY

Columns = dict[str, pa.Array]


def _with_extra_rows(columns: Columns, extra: list[dict[str, str]]) -> Columns:
    return {name: pa.concat_arrays([values, csv_text.text([row[name] for row in extra])])
            for name, values in columns.items()}


def customers_columns(customers: Customers, pools: Pools, extra: list[dict[str, str]]) -> Columns:
    """One row per customer version (customer_id, then updated_at order), then `extra` rows."""
    who = customers.version_customer
    kind = np.where(customers.is_business, 1, 0)[who]
    columns = {
        "customer_id": csv_text.lookup(customer_ids(range(1, customers.count + 1)), who),
        "name": csv_text.lookup(customers.names, who),
        "email": csv_text.lookup(customers.emails, who),
        "location": csv_text.lookup(pools.locations, customers.version_location),
        "customer_type": csv_text.lookup(("Individual", "Business"), kind),
        "updated_at": csv_text.timestamps(customers.version_seconds),
    }
    return _with_extra_rows(columns, extra)


def products_columns(assortment: Products, extra: list[dict[str, str]]) -> Columns:
    count = len(assortment.category)
    columns = {
        "product_id": csv_text.text(product_ids(count)),
        "product_name": csv_text.text(assortment.names),
        "category": csv_text.lookup([c.name for c in CATEGORIES], assortment.category),
        "supplier": csv_text.text(assortment.supplier),
        "cost_price": csv_text.money(assortment.cost_cents),
        "list_price": csv_text.money(assortment.price_cents),
    }
    return _with_extra_rows(columns, extra)


def accounts_columns(accounts: Accounts) -> Columns:
    return {
        "account_id": csv_text.text(account_ids(range(1, accounts.count + 1))),
        "account_type": csv_text.lookup(ACCOUNT_TYPES, accounts.account_type),
        "balance": csv_text.money(accounts.balance_cents),
        "opened_date": csv_text.dates(accounts.opened_day),
    }


def customer_accounts_columns(accounts: Accounts, customers: int) -> Columns:
    return {
        "customer_id": csv_text.lookup(customer_ids(range(1, customers + 1)), accounts.holder_customer),
        "account_id": csv_text.lookup(account_ids(range(1, accounts.count + 1)), accounts.holder_account),
        "relationship_type": csv_text.lookup((SECONDARY, PRIMARY), accounts.holder_is_primary.astype(np.int64)),
    }


def transactions_columns(rows: TransactionRows, numbers: np.ndarray, accounts: int, products: int,
                         dirty: DirtyRows) -> Columns:
    """Transaction rows as written, with the dirty rows' raw-text overrides applied."""
    columns = {
        "transaction_id": csv_text.identifiers("T", numbers, 8),
        "account_id": csv_text.lookup(account_ids(range(1, accounts + 1)), rows.account),
        "product_id": csv_text.lookup(product_ids(products), rows.product),
        "amount": csv_text.money(rows.amount_cents),
        "quantity": csv_text.integers(rows.quantity),
        "transaction_ts": csv_text.timestamps(rows.seconds),
        "channel": csv_text.lookup(CHANNELS, rows.channel),
    }
    for name, (positions, texts) in dirty.overrides.items():
        columns[name] = csv_text.overridden(columns[name], positions, texts)
    return columns


def inventory_columns(inventory: Inventory, products: int, warehouses: tuple[str, ...]) -> Columns:
    return {
        "stock_id": csv_text.identifiers("S", np.arange(1, len(inventory.product) + 1), 8),
        "product_id": csv_text.lookup(product_ids(products), inventory.product),
        "warehouse": csv_text.lookup(warehouses, inventory.warehouse),
        "snapshot_date": csv_text.dates(inventory.snapshot_day),
        "quantity": csv_text.integers(inventory.quantity),
        "reorder_point": csv_text.integers(inventory.reorder_point),
    }


def anomalies_columns(anomalies: PlantedAnomalies, numbers: np.ndarray) -> Columns:
    """`numbers` are the transaction numbers of the anomaly rows."""
    order = np.argsort(numbers, kind="stable")
    return {
        "transaction_id": csv_text.text([transaction_id(int(n)) for n in numbers[order]]),
        "anomaly_type": csv_text.lookup(ANOMALY_TYPES, anomalies.kind[order]),
    }


def churners_columns(customers: Customers, timeline: Timeline) -> Columns:
    churners = customers.churners
    return {
        "customer_id": csv_text.text(customer_ids(churners + 1)),
        "churn_date": csv_text.dates(timeline.start + customers.churn_day[churners]),
    }


def affinities_columns(assortment: Products) -> Columns:
    ids = product_ids(len(assortment.category))
    return {
        "product_a": csv_text.text([ids[a] for a in assortment.affinity_pairs[:, 0]]),
        "product_b": csv_text.text([ids[b] for b in assortment.affinity_pairs[:, 1]]),
    }


def dirty_rows_columns(truth: list[tuple[str, str, str]]) -> Columns:
    return {name: csv_text.text([row[i] for row in truth]) for i, name in enumerate(("dataset", "row_key", "defect"))}
