"""Generate every raw CSV and truth file for one seed and scale, and write them out."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.generator import csv_columns
from jobs.generator.accounts import Accounts, build_accounts
from jobs.generator.catalog import Catalog, build_catalog
from jobs.generator.csv_text import csv_bytes
from jobs.generator.dirty import (
    TRANSACTION_DEFECTS,
    added_transaction_rows,
    dirty_customer_rows,
    dirty_product_rows,
    plant_transaction_defects,
)
from jobs.generator.inventory import build_inventory
from jobs.generator.people import Customers, build_customers
from jobs.generator.planted_anomalies import plant_anomalies
from jobs.generator.pools import build_pools
from jobs.generator.sizes import Sizes, sizes_for
from jobs.generator.transactions import TransactionRows, build_transactions
from jobs.model.values import WAREHOUSES
from jobs.raw_contract import raw_file_name


@dataclass(frozen=True)
class GenerationSummary:
    """What generate_raw wrote: rows per file and the two folders (local paths or s3:// URIs)."""

    row_counts: dict[str, int]  # dataset name -> rows written: raw datasets, then truth files
    raw_uri: str
    truth_uri: str


class _Writer:
    """Writes CSV files into one layer and remembers how many rows each got."""

    def __init__(self, settings: Settings, layer: str) -> None:
        self.settings = settings
        self.uri = settings.layer_uri(layer)
        self.row_counts: dict[str, int] = {}

    def write(self, name: str, columns: csv_columns.Columns) -> None:
        storage.write_bytes(self.settings, storage.join(self.uri, raw_file_name(name)), csv_bytes(columns))
        self.row_counts[name] = len(next(iter(columns.values())))


def _in_time_order(rows: TransactionRows) -> tuple[TransactionRows, np.ndarray]:
    """Rows sorted by time (so transaction numbers follow time) and each old row's new position."""
    order = np.argsort(rows.seconds, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    fields = ("account", "product", "quantity", "amount_cents", "seconds", "channel", "in_basket")
    return replace(rows, **{name: getattr(rows, name)[order] for name in fields}), position


@dataclass(frozen=True)
class _TransactionFile:
    columns: csv_columns.Columns
    anomalies: csv_columns.Columns
    dirty_truth: list[tuple[str, str, str]]


def _transaction_file(rng: np.random.Generator, sizes: Sizes, customers: Customers, accounts: Accounts,
                      catalog: Catalog) -> _TransactionFile:
    """transactions.csv columns with anomalies and defects planted, and their truth.

    A function of its own so the numeric rows are freed before the text is joined.
    """
    clean_rows = sizes.transactions - added_transaction_rows(sizes.dirty_transactions)
    rows = build_transactions(rng, clean_rows, sizes.baskets, customers, accounts, catalog)
    anomalies = plant_anomalies(rng, rows, catalog, sizes.anomalies)
    rows, position = _in_time_order(rows)
    anomaly_at = position[anomalies.rows]
    protected = rows.in_basket.copy()
    protected[anomaly_at] = True
    written, numbers, dirty = plant_transaction_defects(rng, rows, protected, sizes.dirty_transactions)
    return _TransactionFile(
        columns=csv_columns.transactions_columns(written, numbers, accounts.count, sizes.products, dirty),
        anomalies=csv_columns.anomalies_columns(anomalies, anomaly_at + 1),
        dirty_truth=dirty.truth,
    )


def generate_raw(settings: Settings, transactions: int, seed: int) -> GenerationSummary:
    """Write the raw CSVs of RAW_COLUMNS to the raw layer and the truth files to the truth layer.

    `transactions` (1,000..10,000,000) is the number of rows of transactions.csv; every other
    size follows from it. The same seed and scale give byte-identical files. Raises
    PlatformError for a scale out of range or a negative seed.
    """
    if seed < 0:
        raise PlatformError(f"seed must be zero or positive, got {seed}")
    sizes = sizes_for(transactions, len(TRANSACTION_DEFECTS))
    rng = np.random.default_rng(seed)
    pools = build_pools(seed)
    catalog = build_catalog(rng, pools, sizes.products, sizes.affinity_pairs)
    customers = build_customers(rng, pools, sizes.customers)
    accounts = build_accounts(rng, customers)
    transaction_file = _transaction_file(rng, sizes, customers, accounts, catalog)
    extra_customers, customer_truth = dirty_customer_rows(rng, pools, customers.count + 1, sizes.dirty_customers)
    extra_products, product_truth = dirty_product_rows(rng, pools, sizes.products + 1, sizes.dirty_products)
    inventory = build_inventory(rng, catalog, len(WAREHOUSES))

    raw = _Writer(settings, "raw")
    raw.write("customers", csv_columns.customers_columns(customers, pools, extra_customers))
    raw.write("products", csv_columns.products_columns(catalog, extra_products))
    raw.write("accounts", csv_columns.accounts_columns(accounts))
    raw.write("customer_accounts", csv_columns.customer_accounts_columns(accounts, customers.count))
    raw.write("transactions", transaction_file.columns)
    raw.write("inventory", csv_columns.inventory_columns(inventory, sizes.products, WAREHOUSES))

    truth = _Writer(settings, "truth")
    truth.write("anomalies", transaction_file.anomalies)
    truth.write("churners", csv_columns.churners_columns(customers))
    truth.write("affinities", csv_columns.affinities_columns(catalog))
    truth.write("dirty_rows", csv_columns.dirty_rows_columns(customer_truth + product_truth + transaction_file.dirty_truth))
    return GenerationSummary(row_counts=raw.row_counts | truth.row_counts, raw_uri=raw.uri, truth_uri=truth.uri)
