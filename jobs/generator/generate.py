"""Generate every raw extract and truth file for one seed, scale and "now", and write them out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pyarrow as pa

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.generator import csv_columns
from jobs.generator.accounts import Accounts, build_accounts
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
from jobs.generator.products import Products, build_products
from jobs.generator.sizes import Sizes, sizes_for
from jobs.generator.timeline import SECONDS_PER_DAY, Timeline, epoch_date
from jobs.generator.transactions import TransactionRows, build_transactions
from jobs.ingest import landing
from jobs.model.values import WAREHOUSES

log = logging.getLogger(__name__)
# The lake layers built from the raw data: a new world empties them with the landing zone.
_DERIVED_LAYERS = ("bronze", "silver", "quarantine", "gold")


@dataclass(frozen=True)
class GenerationSummary:
    """What generate_raw wrote: rows per dataset, the two folders (local paths or s3:// URIs),
    the history's first and last day and, when it replaced the data of another world, that world."""

    row_counts: dict[str, int]  # dataset name -> rows written: raw datasets, then truth files
    raw_uri: str
    truth_uri: str
    first_day: date
    last_day: date
    replaced: str | None = None  # what the new world replaced, e.g. "seed 7, 1,000 transactions"


class _Landing:
    """Writes each raw dataset as the source system delivers it: a full extract with every row
    up to the timeline's full extract day, then one change file per day with that day's rows (header
    only on a day without any).

    An extract already there with other content (the same world written by other generator
    code, e.g. after a new column) makes the lake built from it stale: before the first such
    file is replaced, the derived layers are emptied (`rebuilt` then names that file)."""

    def __init__(self, settings: Settings, timeline: Timeline) -> None:
        self.settings = settings
        self.timeline = timeline
        self.uri = settings.layer_uri("raw")
        self.row_counts: dict[str, int] = {}
        self.rebuilt: str | None = None

    def _replace(self, uri: str, content: bytes) -> None:
        if self.rebuilt is None and storage.exists(self.settings, uri) and storage.read_bytes(self.settings, uri) != content:
            self.rebuilt = uri.rsplit("/", 1)[-1]
            _empty(self.settings, _DERIVED_LAYERS)
            log.warning("%s changed for the same world (other generator code): bronze, silver, quarantine and gold "
                        "were emptied to be rebuilt from the new extracts", self.rebuilt)
        storage.write_bytes(self.settings, uri, content)

    def write(self, dataset: str, columns: csv_columns.Columns, days: np.ndarray | None = None) -> None:
        """`days`: the epoch day each row belongs to (None: every row is in the full extract)."""
        rows = len(next(iter(columns.values())))
        first, last = self.timeline.full_extract, self.timeline.end
        extract_day = np.full(rows, first) if days is None else np.clip(days, first, last)
        for day in range(first, last + 1):
            keep = pa.array(extract_day == day)
            part = {name: values.filter(keep) for name, values in columns.items()}
            self._replace(landing.extract_uri(self.settings, dataset, epoch_date(day)), csv_bytes(part))
        self.row_counts[dataset] = rows


class _Truth:
    """Writes the truth files, one CSV each, and remembers how many rows each got."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.uri = settings.layer_uri("truth")
        self.row_counts: dict[str, int] = {}

    def write(self, name: str, columns: csv_columns.Columns) -> None:
        storage.write_bytes(self.settings, storage.join(self.uri, f"{name}.csv"), csv_bytes(columns))
        self.row_counts[name] = len(next(iter(columns.values())))


def _empty(settings: Settings, layers: tuple[str, ...]) -> None:
    for layer in layers:
        storage.empty_dir(settings, settings.layer_uri(layer))


def _start_new_world(settings: Settings, generated: landing.World) -> str | None:
    """Empty the landing zone and the lake built from it when they hold another world's data
    (or data from before worlds were recorded); return what was replaced. The same world again
    keeps everything: its files come out byte-identical, so bronze has nothing new to ingest."""
    previous = landing.world(settings)
    if previous == generated:
        return None
    layers = ("raw", *_DERIVED_LAYERS)
    if previous is None and not any(storage.has_content(settings, settings.layer_uri(layer)) for layer in layers):
        return None  # a first run on an empty lake
    _empty(settings, layers)
    replaced = str(previous) if previous else "data of an unrecorded world"
    log.warning("a new world (%s) replaces %s: raw, bronze, silver, quarantine and gold were emptied", generated, replaced)
    return replaced


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
    days: np.ndarray  # the extract day of each row
    anomalies: csv_columns.Columns
    dirty_truth: list[tuple[str, str, str]]


def _transaction_file(rng: np.random.Generator, timeline: Timeline, sizes: Sizes, customers: Customers,
                      accounts: Accounts, assortment: Products) -> _TransactionFile:
    """transactions.csv columns with anomalies and defects planted, and their truth.

    A function of its own so the numeric rows are freed before the text is joined.
    """
    clean_rows = sizes.transactions - added_transaction_rows(sizes.dirty_transactions)
    rows = build_transactions(rng, timeline, clean_rows, sizes.baskets, customers, accounts, assortment)
    anomalies = plant_anomalies(rng, rows, assortment, sizes.anomalies)
    rows, position = _in_time_order(rows)
    anomaly_at = position[anomalies.rows]
    protected = rows.in_basket.copy()
    protected[anomaly_at] = True
    written, numbers, dirty = plant_transaction_defects(rng, rows, protected, sizes.dirty_transactions)
    return _TransactionFile(
        columns=csv_columns.transactions_columns(written, numbers, accounts.count, sizes.products, dirty),
        # Rows are in time order but a planted duplicate may follow its original across midnight:
        # a running maximum keeps every row in the extract of the row before it or a later one.
        days=np.maximum.accumulate(written.seconds // SECONDS_PER_DAY),
        anomalies=csv_columns.anomalies_columns(anomalies, anomaly_at + 1),
        dirty_truth=dirty.truth,
    )


def generate_raw(settings: Settings, transactions: int, seed: int, now: date | None = None) -> GenerationSummary:
    """Write the raw datasets of RAW_COLUMNS as extracts to the landing zone (jobs.ingest.landing) and
    the truth files to the truth layer.

    `transactions` (1,000..10,000,000) is the number of transaction rows; every other size
    follows from it. The history ends the day before `now` (default: today, UTC). The same seed,
    scale and `now` give byte-identical files. Data of another world (seed, scale or last day) is
    removed first, with the lake built from it (see GenerationSummary.replaced); so is the lake
    built from extracts that the same world now writes differently.
    Raises PlatformError for a scale out of range or a negative seed.
    """
    if seed < 0:
        raise PlatformError(f"seed must be zero or positive, got {seed}")
    sizes = sizes_for(transactions, len(TRANSACTION_DEFECTS))
    timeline = Timeline.ending_before(now)
    generated = landing.World(seed=seed, transactions=transactions, last_day=epoch_date(timeline.end).isoformat())
    rng = np.random.default_rng(seed)
    pools = build_pools(seed)
    assortment = build_products(rng, pools, sizes.products, sizes.affinity_pairs)
    customers = build_customers(rng, pools, timeline, sizes.customers)
    accounts = build_accounts(rng, timeline, customers)
    transaction_file = _transaction_file(rng, timeline, sizes, customers, accounts, assortment)
    extra_customers, customer_truth = dirty_customer_rows(rng, pools, timeline, customers.count + 1, sizes.dirty_customers)
    extra_products, product_truth = dirty_product_rows(rng, pools, sizes.products + 1, sizes.dirty_products)
    inventory = build_inventory(rng, timeline, assortment, len(WAREHOUSES))

    replaced = _start_new_world(settings, generated)
    raw = _Landing(settings, timeline)
    version_days = customers.version_seconds // SECONDS_PER_DAY
    raw.write("customers", csv_columns.customers_columns(customers, pools, extra_customers),
              np.concatenate([version_days, np.full(len(extra_customers), timeline.full_extract)]))
    raw.write("products", csv_columns.products_columns(assortment, extra_products))
    raw.write("accounts", csv_columns.accounts_columns(accounts), accounts.opened_day)
    raw.write("customer_accounts", csv_columns.customer_accounts_columns(accounts, customers.count),
              accounts.opened_day[accounts.holder_account])
    raw.write("transactions", transaction_file.columns, transaction_file.days)
    raw.write("inventory", csv_columns.inventory_columns(inventory, sizes.products, WAREHOUSES), inventory.snapshot_day)
    landing.record_world(settings, generated)

    truth = _Truth(settings)
    truth.write("anomalies", transaction_file.anomalies)
    truth.write("churners", csv_columns.churners_columns(customers, timeline))
    truth.write("affinities", csv_columns.affinities_columns(assortment))
    truth.write("dirty_rows", csv_columns.dirty_rows_columns(customer_truth + product_truth + transaction_file.dirty_truth))
    if replaced is None and raw.rebuilt:
        replaced = f"the same world from other generator code: {raw.rebuilt} changed"
    return GenerationSummary(row_counts=raw.row_counts | truth.row_counts, raw_uri=raw.uri, truth_uri=truth.uri,
                             first_day=epoch_date(timeline.start), last_day=epoch_date(timeline.end), replaced=replaced)
