"""The model's tables, read once from sql/ddl, the one source of truth.

DuckDB itself parses the DDL: each file is executed in an in-memory database and read back from
its catalog, so names, types, keys and comments are exactly what the DDL declares. The Spark
jobs conform their outputs to these tables (jobs.refine.conform), the warehouse creates them,
the quality gates and the data catalog read them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import duckdb

from jobs.resources import sql_dir

STAR_SCHEMA = "star_schema.sql"
OPERATIONS = "operations.sql"
LAKE = "lake.sql"

# Kept from bronze on every silver row, so a row can be traced back to its raw file and batch.
TRACE_COLUMNS = ("source_file", "batch_id")


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # as DuckDB spells it: VARCHAR, DECIMAL(12,2), TIMESTAMP (no time zone, UTC)
    comment: str


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    ddl_file: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@functools.cache
def tables(ddl_file: str) -> dict[str, Table]:
    """Every table of `sql/ddl/<ddl_file>`, by name, in file order."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute((sql_dir() / "ddl" / ddl_file).read_text())
        here = "database_name = current_database()"
        listed = connection.execute(
            f"SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE {here} ORDER BY table_oid").fetchall()
        columns = connection.execute(
            "SELECT table_name, column_name, data_type, coalesce(comment, '') FROM duckdb_columns() "
            f"WHERE {here} AND NOT internal ORDER BY table_oid, column_index").fetchall()
        keys = dict(connection.execute(
            f"SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            f"WHERE {here} AND constraint_type = 'PRIMARY KEY'").fetchall())
    finally:
        connection.close()
    by_table: dict[str, list[Column]] = {name: [] for name, _ in listed}
    for table_name, name, sql_type, comment in columns:
        by_table[table_name].append(Column(name, sql_type, comment))
    return {name: Table(name, comment, tuple(by_table[name]), tuple(keys.get(name, ())), ddl_file)
            for name, comment in listed}


def table(name: str, ddl_file: str = STAR_SCHEMA) -> Table:
    return tables(ddl_file)[name]
