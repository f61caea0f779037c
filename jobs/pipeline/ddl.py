"""The tables of sql/ddl as Spark schemas, so every Parquet output has exactly their columns.

The DDL files are the single source of truth: a gold table, the quarantine and the lineage
are written by selecting and casting to the columns declared there.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.resources import sql_dir

STAR_SCHEMA = "star_schema.sql"
OPERATIONS = "operations.sql"

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.DOTALL)
_COLUMN = re.compile(r"^\s*(\w+)\s+(DECIMAL\s*\(\s*\d+\s*,\s*\d+\s*\)|\w+)(.*)$")
_TABLE_KEY = re.compile(r"^\s*PRIMARY KEY\s*\(([^)]*)\)")
_DECIMAL = re.compile(r"DECIMAL\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)")

# DDL TIMESTAMP has no time zone; Spark's TIMESTAMP_NTZ is the same thing (values are UTC).
_SIMPLE_TYPES: dict[str, T.DataType] = {
    "VARCHAR": T.StringType(),
    "INTEGER": T.IntegerType(),
    "BIGINT": T.LongType(),
    "DOUBLE": T.DoubleType(),
    "BOOLEAN": T.BooleanType(),
    "DATE": T.DateType(),
    "TIMESTAMP": T.TimestampNTZType(),
}


@dataclass(frozen=True)
class TableDefinition:
    """Columns (name, SQL type) and primary key of one CREATE TABLE statement."""

    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]

    @property
    def schema(self) -> T.StructType:
        return T.StructType([T.StructField(name, spark_type(sql_type)) for name, sql_type in self.columns])


def spark_type(sql_type: str) -> T.DataType:
    """The Spark type of a DDL column type such as VARCHAR or DECIMAL(12, 2)."""
    decimal = _DECIMAL.fullmatch(sql_type)
    if decimal:
        return T.DecimalType(int(decimal.group(1)), int(decimal.group(2)))
    return _SIMPLE_TYPES[sql_type.upper()]


def _parse_table(name: str, body: str) -> TableDefinition:
    columns: list[tuple[str, str]] = []
    primary_key: list[str] = []
    for line in body.splitlines():
        table_key = _TABLE_KEY.match(line)
        if table_key:
            primary_key = [part.strip() for part in table_key.group(1).split(",")]
            continue
        column = _COLUMN.match(line)
        if column:
            columns.append((column.group(1), column.group(2)))
            if "PRIMARY KEY" in column.group(3):
                primary_key = [column.group(1)]
    return TableDefinition(name, tuple(columns), tuple(primary_key))


@functools.cache
def tables(ddl_file: str) -> dict[str, TableDefinition]:
    """Every table of one file under sql/ddl, by name, in file order."""
    text = (sql_dir() / "ddl" / ddl_file).read_text()
    return {match.group(1): _parse_table(match.group(1), match.group(2)) for match in _TABLE.finditer(text)}


def table(name: str, ddl_file: str = STAR_SCHEMA) -> TableDefinition:
    return tables(ddl_file)[name]


def conform(frame: DataFrame, name: str, ddl_file: str = STAR_SCHEMA) -> DataFrame:
    """`frame` reduced to the columns of DDL table `name`, in DDL order, cast to DDL types."""
    definition = table(name, ddl_file)
    columns: list[Column] = [
        F.col(column).cast(spark_type(sql_type)).alias(column) for column, sql_type in definition.columns
    ]
    return frame.select(*columns)
