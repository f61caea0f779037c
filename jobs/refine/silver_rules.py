"""Bronze -> silver as pure DataFrame functions: typed, cleaned, validated, de-duplicated.

No I/O here, so every rule can be tried on a tiny in-memory frame. Each `validate_*` function
takes bronze rows (all strings, see jobs.ingest.bronze) and returns the silver rows and the
quarantine rows; every input row ends up in exactly one of the two. A rejected row carries one
reason, the first rule it fails, in the order documented in jobs.model.reasons.

Bronze holds every extract ever delivered, so "earlier" means an earlier extract, then an
earlier row of the same extract: the first delivery of a customer version, a transaction or
a stock snapshot wins. Products and accounts are type 1 (the source re-sends the whole row
when it changes): there the latest extract wins, and within an extract the first row.

Cleaning: every field is trimmed and an empty field counts as missing; emails are lower-cased,
channels lower-cased and relationship types capitalised (`primary` -> `Primary`) before the
rules look at them. Types are cast with try_cast semantics: a value that does not parse is
rejected, never turned into NULL. Timestamps are stored as UTC wall-clock time without a zone.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.ingest.bronze import CORRUPT_RECORD, SOURCE_ROW
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model import reasons as R
from jobs.model.references import INVENTORY_RULES, TRANSACTION_RULES, FactRules
from jobs.model.tables import OPERATIONS, TRACE_COLUMNS
from jobs.model.values import CHANNELS, EMAIL_PATTERN, PRIMARY, RELATIONSHIP_TYPES
from jobs.refine.conform import conform

QUARANTINE_TABLE = "quarantine"

# Working columns of a checked frame: the first reason found (NULL while the row passes) and
# the raw fields as JSON, which is what quarantine stores.
_REASON = "_reason"
_RECORD = "_record"
_KNOWN_KEY = "_known_key"
_PENDING = "_pending"
_RANK_IN_KEY = "_rank_in_key"
_RANK_IN_CONTENT = "_rank_in_content"
# Delivery order: extracts are named by date within a dataset's folder, rows by position.
_ARRIVAL = ("source_file", SOURCE_ROW)

MONEY = T.DecimalType(12, 2)
BALANCE = T.DecimalType(14, 2)
TIMESTAMP = T.TimestampNTZType()
DATE = T.DateType()
INTEGER = T.IntegerType()


class Validated(NamedTuple):
    """Outcome of validating one dataset: rows for silver and rows for quarantine."""

    silver: DataFrame
    rejects: DataFrame


def _type_reason(data_type: T.DataType) -> str:
    if isinstance(data_type, T.TimestampNTZType):
        return R.INVALID_TIMESTAMP
    if isinstance(data_type, T.DateType):
        return R.INVALID_DATE
    return R.INVALID_NUMBER


def _parse(text: Column, data_type: T.DataType) -> Column:
    if isinstance(data_type, T.TimestampNTZType):
        # Through an instant so an ISO offset (Z, +02:00) is honoured; the session zone is UTC.
        return text.try_cast(T.TimestampType()).cast(TIMESTAMP)
    return text.try_cast(data_type)


def _first_failure(rules: Sequence[tuple[str, Column]]) -> Column:
    """The reason of the first rule whose condition holds, NULL when none does."""
    return F.coalesce(*[F.when(failed, F.lit(reason)) for reason, failed in rules])


def _record(columns: Sequence[str]) -> Column:
    """The raw fields as JSON; a malformed row also carries the line as received."""
    fields = [F.col(column) for column in columns]
    options = {"ignoreNullFields": "false"}
    as_parsed = F.to_json(F.struct(*fields), options)
    with_line = F.to_json(F.struct(*fields, F.col(CORRUPT_RECORD)), options)
    return F.when(F.col(CORRUPT_RECORD).isNotNull(), with_line).otherwise(as_parsed)


def _checked(
    bronze: DataFrame,
    dataset: str,
    types: dict[str, T.DataType],
    cleaners: dict[str, Callable[[Column], Column]] | None = None,
) -> DataFrame:
    """Bronze rows cleaned and typed, with the reason of the first row-shape or type rule failed."""
    columns = RAW_COLUMNS[dataset]
    text = {column: F.nullif(F.trim(F.col(column)), F.lit("")) for column in columns}
    for column, clean in (cleaners or {}).items():
        text[column] = clean(text[column])
    typed = {column: _parse(text[column], types[column]) if column in types else text[column] for column in columns}
    rules = [
        (R.MALFORMED_ROW, F.col(CORRUPT_RECORD).isNotNull()),
        (R.MISSING_REQUIRED_FIELD, functools.reduce(operator.or_, [text[column].isNull() for column in columns])),
        *[(_type_reason(types[column]), typed[column].isNull()) for column in columns if column in types],
    ]
    return bronze.select(
        *[typed[column].alias(column) for column in columns],
        SOURCE_ROW,
        *TRACE_COLUMNS,
        _record(columns).alias(_RECORD),
        _first_failure(rules).alias(_REASON),
    )


def _flag(checked: DataFrame, rules: Sequence[tuple[str, Column]]) -> DataFrame:
    """Give rows that still pass the reason of the first of `rules` they fail."""
    return checked.withColumn(_REASON, F.coalesce(F.col(_REASON), _first_failure(rules)))


def _flag_unknown(checked: DataFrame, column: str, known: DataFrame, known_column: str, reason: str) -> DataFrame:
    """Reject passing rows whose `column` is not among the values of `known[known_column]`."""
    # Reference data (customers, accounts, products) is small next to the rows checked.
    keys = F.broadcast(known.select(F.col(known_column).alias(_KNOWN_KEY)).distinct())
    matched = checked.join(keys, F.col(column) == F.col(_KNOWN_KEY), "left")
    return _flag(matched, [(reason, F.col(_KNOWN_KEY).isNull())]).drop(_KNOWN_KEY)


def _flag_references(checked: DataFrame, rules: FactRules, silver: dict[str, DataFrame]) -> DataFrame:
    """The reference rules of jobs.model.references, in order, against the silver datasets given."""
    for reference in rules.references:
        checked = _flag_unknown(checked, reference.column, silver[reference.dataset], reference.column, reference.reason)
    return checked


def _flag_later(
    checked: DataFrame, dataset: str, key: Sequence[str], reason: str, among: Column | None = None
) -> DataFrame:
    """Reject passing rows (optionally only those matching `among`) that repeat the `key` of an
    earlier passing row. Earlier = delivered earlier, then by content, so the choice is the
    same on every run."""
    candidate = F.col(_REASON).isNull() if among is None else F.col(_REASON).isNull() & among
    order = Window.partitionBy(candidate, *key).orderBy(*_ARRIVAL, *RAW_COLUMNS[dataset])
    return _flag(checked, [(reason, candidate & (F.row_number().over(order) > 1))])


def _flag_duplicates(checked: DataFrame, dataset: str, keys: Sequence[tuple[Sequence[str], str]],
                     latest_extract_wins: bool = False) -> DataFrame:
    """Exact copies first (DUPLICATE_ROW), then each business key with its own reason. The row
    kept is the first delivered, or with `latest_extract_wins` the first of the latest extract."""
    columns = RAW_COLUMNS[dataset]
    (first_key, first_reason), *other_keys = keys
    # The first row of a key group is never an exact copy, so "same key as an earlier row that
    # is not itself a copy" is simply "not first in its key group". Copies share their key, so
    # the shuffle by key also serves the window by content (Spark then only sorts).
    checked = checked.withColumn(_PENDING, F.col(_REASON).isNull())
    extract = F.col("source_file").desc() if latest_extract_wins else F.col("source_file")
    order = (extract, SOURCE_ROW, *columns)
    checked = checked.withColumn(
        _RANK_IN_KEY, F.row_number().over(Window.partitionBy(_PENDING, *first_key).orderBy(*order))
    ).withColumn(_RANK_IN_CONTENT, F.row_number().over(Window.partitionBy(_PENDING, *columns).orderBy(*order)))
    checked = _flag(checked, [
        (R.DUPLICATE_ROW, F.col(_PENDING) & (F.col(_RANK_IN_CONTENT) > 1)),
        (first_reason, F.col(_PENDING) & (F.col(_RANK_IN_KEY) > 1)),
    ]).drop(_PENDING, _RANK_IN_KEY, _RANK_IN_CONTENT)
    for key, reason in other_keys:
        checked = _flag_later(checked, dataset, key, reason)
    return checked


def _split(checked: DataFrame, dataset: str) -> Validated:
    # Marked for caching (lazily) so that writing silver and quarantine runs the checks once;
    # the caller clears the cache when both are written.
    checked = checked.persist()
    passing = F.col(_REASON).isNull()
    silver = checked.filter(passing).select(*RAW_COLUMNS[dataset], *TRACE_COLUMNS)
    rejects = checked.filter(~passing).select(
        F.lit(dataset).alias("dataset"), F.col(_REASON).alias("reason"), F.col(_RECORD).alias("record"), *TRACE_COLUMNS
    )
    return Validated(silver, conform(rejects, QUARANTINE_TABLE, OPERATIONS))


def validate_customers(bronze: DataFrame) -> Validated:
    """Customer versions: several per customer_id are kept (the SCD2 history); a version with the
    same customer_id and updated_at as an earlier one is rejected."""
    checked = _checked(bronze, "customers", {"updated_at": TIMESTAMP}, {"email": F.lower})
    checked = _flag(checked, [(R.INVALID_EMAIL, ~F.col("email").rlike(EMAIL_PATTERN))])
    checked = _flag_duplicates(checked, "customers", [(("customer_id", "updated_at"), R.DUPLICATE_CUSTOMER_VERSION)])
    return _split(checked, "customers")


def validate_products(bronze: DataFrame) -> Validated:
    """Products with prices as DECIMAL(12,2), never negative, one row per product_id (the
    latest extract's)."""
    checked = _checked(bronze, "products", {"cost_price": MONEY, "list_price": MONEY})
    checked = _flag(checked, [(R.NEGATIVE_PRICE, (F.col("cost_price") < 0) | (F.col("list_price") < 0))])
    checked = _flag_duplicates(checked, "products", [(("product_id",), R.DUPLICATE_PRODUCT_ID)],
                               latest_extract_wins=True)
    return _split(checked, "products")


def _check_accounts(bronze: DataFrame) -> DataFrame:
    checked = _checked(bronze, "accounts", {"balance": BALANCE, "opened_date": DATE})
    return _flag_duplicates(checked, "accounts", [(("account_id",), R.DUPLICATE_ACCOUNT_ID)], latest_extract_wins=True)


def _check_holders(bronze: DataFrame, valid_customers: DataFrame, accounts: DataFrame) -> DataFrame:
    cleaners = {"relationship_type": lambda value: F.initcap(F.lower(value))}
    checked = _checked(bronze, "customer_accounts", {}, cleaners)
    checked = _flag(checked, [(R.INVALID_RELATIONSHIP_TYPE, ~F.col("relationship_type").isin(*RELATIONSHIP_TYPES))])
    checked = _flag_unknown(checked, "customer_id", valid_customers, "customer_id", R.UNKNOWN_CUSTOMER)
    passing_accounts = accounts.filter(F.col(_REASON).isNull())
    checked = _flag_unknown(checked, "account_id", passing_accounts, "account_id", R.UNKNOWN_ACCOUNT)
    return _flag_duplicates(
        checked, "customer_accounts", [(("customer_id", "account_id"), R.DUPLICATE_CUSTOMER_ACCOUNT)]
    )


def _require_primary_holder(accounts: DataFrame, holders: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Exactly one Primary per account: later Primaries rejected, accounts without one rejected
    together with their remaining links."""
    is_primary = F.col("relationship_type") == PRIMARY
    holders = _flag_later(holders, "customer_accounts", ("account_id",), R.DUPLICATE_PRIMARY_HOLDER, among=is_primary)
    primaries = holders.filter(F.col(_REASON).isNull() & is_primary)
    accounts = _flag_unknown(accounts, "account_id", primaries, "account_id", R.MISSING_PRIMARY_HOLDER)
    kept_accounts = accounts.filter(F.col(_REASON).isNull())
    holders = _flag_unknown(holders, "account_id", kept_accounts, "account_id", R.UNKNOWN_ACCOUNT)
    return accounts, holders


def validate_accounts(
    bronze_accounts: DataFrame, bronze_holders: DataFrame, valid_customers: DataFrame
) -> tuple[Validated, Validated]:
    """Accounts and their holders (customer_accounts), validated together because an account
    is only valid with exactly one Primary holder. `valid_customers` is silver customers.
    Returns (accounts, customer_accounts)."""
    accounts = _check_accounts(bronze_accounts)
    holders = _check_holders(bronze_holders, valid_customers, accounts)
    accounts, holders = _require_primary_holder(accounts, holders)
    return _split(accounts, "accounts"), _split(holders, "customer_accounts")


def validate_transactions(bronze_tx: DataFrame, valid_accounts: DataFrame, valid_products: DataFrame) -> Validated:
    """Transactions on silver accounts for silver products: amount DECIMAL(12,2) >= 0,
    quantity >= 1, a known channel, one row per transaction_id."""
    checked = _checked(
        bronze_tx,
        "transactions",
        {"amount": MONEY, "quantity": INTEGER, "transaction_ts": TIMESTAMP},
        {"channel": F.lower},
    )
    checked = _flag(checked, [
        (R.NEGATIVE_AMOUNT, F.col("amount") < 0),
        (R.NON_POSITIVE_QUANTITY, F.col("quantity") <= 0),
        (R.UNKNOWN_CHANNEL, ~F.col("channel").isin(*CHANNELS)),
    ])
    checked = _flag_references(checked, TRANSACTION_RULES, {"accounts": valid_accounts, "products": valid_products})
    key = TRANSACTION_RULES.business_key
    checked = _flag_duplicates(checked, "transactions", [((key.column,), key.reason)])
    return _split(checked, "transactions")


def validate_inventory(bronze_inventory: DataFrame, valid_products: DataFrame) -> Validated:
    """Stock snapshots of silver products: quantities >= 0, one row per stock_id and one per
    product, warehouse and snapshot day."""
    checked = _checked(
        bronze_inventory, "inventory", {"snapshot_date": DATE, "quantity": INTEGER, "reorder_point": INTEGER}
    )
    checked = _flag(checked, [(R.NEGATIVE_QUANTITY, (F.col("quantity") < 0) | (F.col("reorder_point") < 0))])
    checked = _flag_references(checked, INVENTORY_RULES, {"products": valid_products})
    checked = _flag_duplicates(checked, "inventory", [
        (("stock_id",), R.DUPLICATE_STOCK_ID),
        (("product_id", "warehouse", "snapshot_date"), R.DUPLICATE_STOCK_SNAPSHOT),
    ])
    return _split(checked, "inventory")
