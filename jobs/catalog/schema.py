"""Table and column descriptions read from the DDL files of sql/ddl, the one source of truth.

Each file is executed in an in-memory DuckDB and the comments are read back from
duckdb_tables() and duckdb_columns(), so the catalog shows exactly what the DDL declares.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from jobs.catalog.pii import split_pii
from jobs.resources import sql_dir
from jobs.warehouse import connect

STAR_SCHEMA = "star_schema.sql"
OPERATIONS = "operations.sql"
LAKE = "lake.sql"


@dataclass(frozen=True)
class ColumnDoc:
    """One column: SQL type, description (without PII tag) and PII class (None = not personal)."""

    name: str
    type: str
    description: str
    pii: str | None


@dataclass(frozen=True)
class TableDoc:
    name: str
    description: str
    columns: tuple[ColumnDoc, ...]
    ddl_file: str


@functools.cache
def documented_tables(ddl_file: str) -> dict[str, TableDoc]:
    """Every table of `sql/ddl/<ddl_file>` with its comments, by name, in file order."""
    connection = connect(":memory:")
    try:
        connection.execute((sql_dir() / "ddl" / ddl_file).read_text())
        tables = connection.execute(
            "SELECT table_name, coalesce(comment, '') FROM duckdb_tables() "
            "WHERE database_name = current_database() ORDER BY table_oid"
        ).fetchall()
        columns = connection.execute(
            "SELECT table_name, column_name, data_type, coalesce(comment, '') FROM duckdb_columns() "
            "WHERE database_name = current_database() AND NOT internal ORDER BY table_oid, column_index"
        ).fetchall()
    finally:
        connection.close()
    by_table: dict[str, list[ColumnDoc]] = {name: [] for name, _ in tables}
    for table, column, data_type, comment in columns:
        description, pii = split_pii(comment, f"{ddl_file} {table}.{column}")
        by_table[table].append(ColumnDoc(column, data_type, description, pii))
    return {name: TableDoc(name, comment, tuple(by_table[name]), ddl_file) for name, comment in tables}
