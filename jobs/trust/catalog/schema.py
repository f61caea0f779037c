"""Table and column descriptions of the model's tables (jobs.model.tables, read from sql/ddl),
with each column's PII tag split from its description."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from jobs.model.tables import tables
from jobs.trust.catalog.pii import split_pii


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
    documented = {}
    for name, table in tables(ddl_file).items():
        columns = []
        for column in table.columns:
            description, pii = split_pii(column.comment, f"{ddl_file} {name}.{column.name}")
            columns.append(ColumnDoc(column.name, column.sql_type, description, pii))
        documented[name] = TableDoc(name, table.comment, tuple(columns), ddl_file)
    return documented
