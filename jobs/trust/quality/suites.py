"""The expectation suites of the two gates, as code.

Silver suites check what bronze -> silver promises (jobs.refine.silver_rules): the columns,
no missing field, the accepted values and ranges it enforces, unique business keys, and that
every reference points at a row of the parent silver dataset. Gold suites check the tables
built from silver against silver itself: same rows, same totals, same latest event, and the
primary keys of sql/ddl/star_schema.sql.

Every expectation carries `meta["severity"]`: "critical" stops the pipeline, "warning" is
recorded and shown in the data docs but never stops anything. Warnings are used for values the
source may legitimately change without the pipeline being wrong (a new account type, a new
warehouse) and for the age of the data.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import great_expectations as gx
import pandas as pd
from great_expectations.expectations import Expectation

from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.tables import STAR_SCHEMA, TRACE_COLUMNS, tables
from jobs.model.tables import table as model_table
from jobs.model.values import (
    ACCOUNT_TYPES,
    CHANNELS,
    EMAIL_PATTERN,
    PRIMARY,
    PRODUCT_CATEGORIES,
    RELATIONSHIP_TYPES,
    WAREHOUSES,
)

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)

# The customer types of the source (sql/ddl/star_schema.sql, dim_customer.customer_type).
CUSTOMER_TYPES = ("Individual", "Business")
DEFAULT_MAX_QUARANTINE_RATIO = 0.05
# The generated data is history: a fixed two-year window that ends on a fixed day, so its age
# grows every day the platform runs after that day. A year is generous enough for a demo run
# months later and still flags an extract that stopped arriving long ago; it is a warning only.
DEFAULT_MAX_EVENT_AGE = timedelta(days=365)
# Money is compared as float in GX; a real difference is at least one cent.
HALF_A_CENT = 0.005


def _critical(expectation: type[Expectation], **kwargs) -> Expectation:
    return expectation(**kwargs, meta={"severity": CRITICAL})


def _warning(expectation: type[Expectation], **kwargs) -> Expectation:
    return expectation(**kwargs, meta={"severity": WARNING})


def _suite(name: str, expectations: list[Expectation]) -> gx.ExpectationSuite:
    # Given to the constructor, not added one by one: adding to a suite the project already
    # stores rewrites its file for every expectation.
    return gx.ExpectationSuite(name=name, expectations=expectations)


def _iso(moment: pd.Timestamp | datetime) -> str:
    return pd.Timestamp(moment).isoformat()


def _known(parent: pd.DataFrame, column: str) -> list[str]:
    return sorted(parent[column].dropna().unique().tolist())


# --- silver -----------------------------------------------------------------------------------


def _silver_common(dataset: str, received: int, max_quarantine_ratio: float) -> list[Expectation]:
    """Columns as silver writes them, no missing field, and a bounded share in quarantine."""
    columns = list(RAW_COLUMNS[dataset])
    kept_at_least = received - math.floor(received * max_quarantine_ratio)
    return [
        _critical(gx.expectations.ExpectTableColumnsToMatchOrderedList, column_list=[*columns, *TRACE_COLUMNS]),
        *[_critical(gx.expectations.ExpectColumnValuesToNotBeNull, column=column) for column in columns],
        # rows kept / rows received >= 1 - ratio, i.e. at most `ratio` of the input quarantined.
        _warning(gx.expectations.ExpectTableRowCountToBeBetween, min_value=kept_at_least),
    ]


def _silver_specific(dataset: str, silver: dict[str, pd.DataFrame]) -> list[Expectation]:
    """The rules of jobs.refine.silver_rules for one dataset, and its references."""
    E = gx.expectations
    if dataset == "customers":
        return [
            _critical(E.ExpectCompoundColumnsToBeUnique, column_list=["customer_id", "updated_at"]),
            _critical(E.ExpectColumnValuesToMatchRegex, column="email", regex=EMAIL_PATTERN),
            _warning(E.ExpectColumnValuesToBeInSet, column="customer_type", value_set=list(CUSTOMER_TYPES)),
        ]
    if dataset == "products":
        return [
            _critical(E.ExpectColumnValuesToBeUnique, column="product_id"),
            _critical(E.ExpectColumnValuesToBeBetween, column="cost_price", min_value=0),
            _critical(E.ExpectColumnValuesToBeBetween, column="list_price", min_value=0),
            _warning(E.ExpectColumnValuesToBeInSet, column="category", value_set=list(PRODUCT_CATEGORIES)),
        ]
    if dataset == "accounts":
        holders = silver["customer_accounts"]
        primaries = holders[holders["relationship_type"] == PRIMARY]
        return [
            _critical(E.ExpectColumnValuesToBeUnique, column="account_id"),
            _warning(E.ExpectColumnValuesToBeInSet, column="account_type", value_set=list(ACCOUNT_TYPES)),
            # Every account has a Primary holder.
            _critical(E.ExpectColumnValuesToBeInSet, column="account_id", value_set=_known(primaries, "account_id")),
        ]
    if dataset == "customer_accounts":
        return [
            _critical(E.ExpectCompoundColumnsToBeUnique, column_list=["customer_id", "account_id"]),
            _critical(E.ExpectColumnValuesToBeInSet, column="relationship_type", value_set=list(RELATIONSHIP_TYPES)),
            _critical(E.ExpectColumnValuesToBeInSet, column="customer_id",
                      value_set=_known(silver["customers"], "customer_id")),
            _critical(E.ExpectColumnValuesToBeInSet, column="account_id",
                      value_set=_known(silver["accounts"], "account_id")),
        ]
    if dataset == "transactions":
        return [
            _critical(E.ExpectColumnValuesToBeUnique, column="transaction_id"),
            _critical(E.ExpectColumnValuesToBeBetween, column="amount", min_value=0),
            _critical(E.ExpectColumnValuesToBeBetween, column="quantity", min_value=1),
            _critical(E.ExpectColumnValuesToBeInSet, column="channel", value_set=list(CHANNELS)),
            _critical(E.ExpectColumnValuesToBeInSet, column="account_id",
                      value_set=_known(silver["accounts"], "account_id")),
            _critical(E.ExpectColumnValuesToBeInSet, column="product_id",
                      value_set=_known(silver["products"], "product_id")),
        ]
    if dataset == "inventory":
        return [
            _critical(E.ExpectColumnValuesToBeUnique, column="stock_id"),
            _critical(E.ExpectCompoundColumnsToBeUnique, column_list=["product_id", "warehouse", "snapshot_date"]),
            _critical(E.ExpectColumnValuesToBeBetween, column="quantity", min_value=0),
            _critical(E.ExpectColumnValuesToBeBetween, column="reorder_point", min_value=0),
            _warning(E.ExpectColumnValuesToBeInSet, column="warehouse", value_set=list(WAREHOUSES)),
            _critical(E.ExpectColumnValuesToBeInSet, column="product_id",
                      value_set=_known(silver["products"], "product_id")),
        ]
    raise ValueError(f"no silver suite for dataset {dataset}")


def silver_suites(
    silver: dict[str, pd.DataFrame],
    quarantined: dict[str, int],
    max_quarantine_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO,
) -> dict[str, gx.ExpectationSuite]:
    """One suite per silver dataset, keyed "silver.<dataset>".

    `silver` holds every silver dataset (references are checked against the parents' rows);
    `quarantined` the rows each dataset sent to quarantine (for the share of rows kept).
    """
    suites = {}
    for dataset in RAW_COLUMNS:
        received = len(silver[dataset]) + quarantined.get(dataset, 0)
        expectations = _silver_common(dataset, received, max_quarantine_ratio) + _silver_specific(dataset, silver)
        suites[f"silver.{dataset}"] = _suite(f"silver.{dataset}", expectations)
    return suites


# --- gold -------------------------------------------------------------------------------------


def _primary_key(table: str) -> list[Expectation]:
    """Columns of the DDL in DDL order; primary key never NULL and unique."""
    definition = model_table(table)
    key = list(definition.primary_key)
    expectations = [
        _critical(gx.expectations.ExpectTableColumnsToMatchOrderedList,
                  column_list=list(definition.column_names)),
        *[_critical(gx.expectations.ExpectColumnValuesToNotBeNull, column=column) for column in key],
    ]
    if len(key) == 1:
        expectations.append(_critical(gx.expectations.ExpectColumnValuesToBeUnique, column=key[0]))
    else:
        expectations.append(_critical(gx.expectations.ExpectCompoundColumnsToBeUnique, column_list=key))
    return expectations


def _rows(count: int) -> Expectation:
    return _critical(gx.expectations.ExpectTableRowCountToEqual, value=count)


def _same_sum(column: str, total: float, tolerance: float = 0.0) -> Expectation:
    return _critical(gx.expectations.ExpectColumnSumToBeBetween, column=column,
                     min_value=total - tolerance, max_value=total + tolerance)


def _same_latest(column: str, latest: pd.Timestamp) -> Expectation:
    return _critical(gx.expectations.ExpectColumnMaxToBeBetween, column=column,
                     min_value=_iso(latest), max_value=_iso(latest))


def _days_covered(silver: dict[str, pd.DataFrame]) -> int:
    """Calendar days from the first to the last transaction or inventory snapshot day."""
    days = pd.concat([silver["transactions"]["transaction_ts"].dt.normalize(),
                      silver["inventory"]["snapshot_date"].dt.normalize()])
    if days.empty:
        return 0
    return (days.max() - days.min()).days + 1


def _reconciliation(table: str, silver: dict[str, pd.DataFrame], now: datetime,
                    max_event_age: timedelta) -> list[Expectation]:
    """What a gold table must have in common with the silver rows it is built from."""
    E = gx.expectations
    transactions, inventory = silver["transactions"], silver["inventory"]
    if table == "dim_date":
        return [_rows(_days_covered(silver))]
    if table == "dim_customer":
        # One version per change of a customer: every silver customer appears, nobody else.
        customers = silver["customers"]["customer_id"].nunique()
        return [_critical(E.ExpectColumnUniqueValueCountToBeBetween, column="customer_id",
                          min_value=customers, max_value=customers)]
    if table == "dim_product":
        return [_rows(len(silver["products"]))]
    if table == "dim_account":
        return [_rows(len(silver["accounts"]))]
    if table == "bridge_customer_account":
        return [_rows(len(silver["customer_accounts"]))]
    if table == "fact_transaction":
        expectations = [
            _rows(len(transactions)),
            _same_sum("amount", float(transactions["amount"].sum()), HALF_A_CENT),
            _same_sum("quantity", float(transactions["quantity"].sum())),
        ]
        if not transactions.empty:
            expectations += [
                _same_latest("transaction_ts", transactions["transaction_ts"].max()),
                _warning(E.ExpectColumnMaxToBeBetween, column="transaction_ts", min_value=_iso(now - max_event_age)),
            ]
        return expectations
    if table == "fact_inventory":
        expectations = [_rows(len(inventory)), _same_sum("quantity", float(inventory["quantity"].sum()))]
        if not inventory.empty:
            expectations.append(_same_latest("snapshot_date", inventory["snapshot_date"].max()))
        return expectations
    if table == "fact_customer_behavior":
        # One row per customer as of the last transaction day, none without transactions.
        customers = silver["customers"]["customer_id"].nunique() if not transactions.empty else 0
        return [_rows(customers)]
    raise ValueError(f"no gold suite for table {table}")


def gold_suites(
    silver: dict[str, pd.DataFrame], now: datetime, max_event_age: timedelta = DEFAULT_MAX_EVENT_AGE
) -> dict[str, gx.ExpectationSuite]:
    """One suite per table of sql/ddl/star_schema.sql, keyed "gold.<table>", with the expected
    counts, sums and latest events computed from the silver frames given.

    `now` (naive UTC) and `max_event_age` set the warning on the age of the latest transaction.
    """
    return {
        f"gold.{table}": _suite(f"gold.{table}", _primary_key(table) + _reconciliation(table, silver, now, max_event_age))
        for table in tables(STAR_SCHEMA)
    }
