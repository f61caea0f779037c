"""Data-quality gate on the DuckDB warehouse: SQL checks whose results land in `<gold>/dq_results/`.

Three families of checks, each giving one row of the `dq_results` table of sql/ddl/operations.sql:

- every table of the star schema has rows;
- no orphan keys: each column whose DDL comment says "key into <table>" only holds values that
  exist in the same-named column of that table (the DDL stays the single source of truth);
- the share of rows sent to quarantine per raw dataset stays below a threshold.

The results replace the previous quality run's folder, so re-running is idempotent; the next
warehouse build loads them into `dq_results`, where report 10 shows them.
"""

from __future__ import annotations

import io
import re
from dataclasses import astuple, dataclass, fields

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.resources import sql_dir
from jobs.warehouse import connect

DQ_TABLE = "dq_results"
DEFAULT_MAX_QUARANTINE_RATIO = 0.05

# Raw dataset -> warehouse table holding its valid rows: silver keeps one row per valid input row
# and gold loads each silver row once, so loaded + quarantined = rows received.
LOADED_INTO = {
    "customers": "dim_customer",
    "products": "dim_product",
    "accounts": "dim_account",
    "customer_accounts": "bridge_customer_account",
    "transactions": "fact_transaction",
    "inventory": "fact_inventory",
}

_KEY_COMMENT = re.compile(r"\bkey into (\w+)\)")


@dataclass(frozen=True)
class DqResult:
    """One row of `dq_results`: the columns of sql/ddl/operations.sql, in that order."""

    run_id: str
    dataset: str
    expectation: str
    success: bool
    observed: str


DQ_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("expectation", pa.string(), nullable=False),
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("observed", pa.string()),
    ]
)


@dataclass(frozen=True)
class ForeignKey:
    """`table.column` refers to `parent.column` (the same column name in the parent table)."""

    table: str
    column: str
    parent: str


@dataclass(frozen=True)
class QualityRun:
    """The results of one quality run and where they were written."""

    results: list[DqResult]
    results_uri: str

    @property
    def failures(self) -> list[DqResult]:
        return [result for result in self.results if not result.success]

    def describe_failures(self) -> str:
        """One line naming every failed check with its evidence; empty when all checks passed."""
        if not self.failures:
            return ""
        failed = "; ".join(f"{r.dataset}: {r.expectation} (observed {r.observed})" for r in self.failures)
        return f"{len(self.failures)} of {len(self.results)} data-quality checks failed: {failed}"


def star_tables() -> list[str]:
    """The tables of sql/ddl/star_schema.sql, in declaration order."""
    ddl = (sql_dir() / "ddl" / "star_schema.sql").read_text()
    return re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", ddl)


def foreign_keys(connection: duckdb.DuckDBPyConnection) -> list[ForeignKey]:
    """The key relations declared by the column comments of the warehouse ("key into <table>")."""
    rows = connection.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND comment IS NOT NULL ORDER BY table_oid, column_index"
    ).fetchall()
    keys = []
    for table, column, comment in rows:
        match = _KEY_COMMENT.search(comment)
        if match:
            keys.append(ForeignKey(table, column, match.group(1)))
    return keys


def _count(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return connection.execute(sql, params or []).fetchone()[0]


def check_row_counts(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[DqResult]:
    """One result per star-schema table: it must hold at least one row."""
    results = []
    for table in star_tables():
        rows = _count(connection, f"SELECT count(*) FROM {table}")
        results.append(DqResult(run_id, table, "row_count > 0", rows > 0, f"{rows} rows"))
    return results


def check_orphan_keys(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[DqResult]:
    """One result per key relation: no row may point at a key missing from the parent table."""
    results = []
    for key in foreign_keys(connection):
        orphans = connection.execute(
            f"SELECT count(*), min(c.{key.column}) FROM {key.table} AS c WHERE c.{key.column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {key.parent} AS p WHERE p.{key.column} = c.{key.column})"
        ).fetchone()
        count, example = orphans
        observed = f"{count} orphan rows" + (f", e.g. {key.column} {example}" if count else "")
        expectation = f"every {key.column} exists in {key.parent}"
        results.append(DqResult(run_id, key.table, expectation, count == 0, observed))
    return results


def check_quarantine_ratios(
    connection: duckdb.DuckDBPyConnection, run_id: str, max_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO
) -> list[DqResult]:
    """One result per raw dataset: quarantined / (quarantined + loaded) must not exceed `max_ratio`."""
    results = []
    for dataset, table in LOADED_INTO.items():
        quarantined = _count(connection, "SELECT count(*) FROM quarantine WHERE dataset = ?", [dataset])
        received = quarantined + _count(connection, f"SELECT count(*) FROM {table}")
        ratio = quarantined / received if received else 0.0
        results.append(
            DqResult(
                run_id,
                dataset,
                f"quarantined share <= {max_ratio:.1%}",
                ratio <= max_ratio,
                f"{ratio:.2%} ({quarantined} of {received} rows)",
            )
        )
    return results


def results_uri(settings: Settings) -> str:
    return storage.join(settings.layer_uri("gold"), DQ_TABLE)


def write_results(settings: Settings, results: list[DqResult]) -> str:
    """Replace `<gold>/dq_results/` with `results` as one Parquet file; return the folder's URI."""
    columns = [field.name for field in fields(DqResult)]
    table = pa.Table.from_pylist([dict(zip(columns, astuple(r), strict=True)) for r in results], schema=DQ_SCHEMA)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    uri = results_uri(settings)
    storage.delete_dir(settings, uri)
    storage.write_bytes(settings, storage.join(uri, "part-00000.parquet"), buffer.getvalue())
    return uri


def run_quality_checks(
    settings: Settings, *, run_id: str, max_quarantine_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO
) -> QualityRun:
    """Run every check on the warehouse of `settings`, write the results, return them.

    Failed checks do not raise here: their rows are the evidence, and the caller decides (a
    scheduler fails the run with `describe_failures()`). PlatformError if there is no warehouse.
    """
    path = settings.warehouse_path
    if not path.is_file():
        raise PlatformError(f"warehouse not found at {path}: run `rtdp warehouse` first")
    connection = connect(path, read_only=True)
    try:
        results = (
            check_row_counts(connection, run_id)
            + check_orphan_keys(connection, run_id)
            + check_quarantine_ratios(connection, run_id, max_quarantine_ratio)
        )
    finally:
        connection.close()
    return QualityRun(results, write_results(settings, results))
