"""Spark frames shaped like the model's tables (jobs.model.tables), so every Parquet output has
exactly the columns and types declared in sql/ddl: a gold table, the quarantine and the lineage
are written by selecting and casting to them."""

from __future__ import annotations

import re

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.errors import PlatformError
from jobs.model.tables import STAR_SCHEMA, Table, table

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


def spark_type(sql_type: str) -> T.DataType:
    """The Spark type of a DDL column type such as VARCHAR or DECIMAL(12,2)."""
    decimal = _DECIMAL.fullmatch(sql_type)
    if decimal:
        return T.DecimalType(int(decimal.group(1)), int(decimal.group(2)))
    return _SIMPLE_TYPES[sql_type.upper()]


def spark_schema(definition: Table) -> T.StructType:
    return T.StructType([T.StructField(column.name, spark_type(column.sql_type)) for column in definition.columns])


def conform(frame: DataFrame, name: str, ddl_file: str = STAR_SCHEMA) -> DataFrame:
    """`frame` reduced to the columns of DDL table `name`, in DDL order, cast to DDL types;
    PlatformError when the DDL declares a column `frame` does not have."""
    definition = table(name, ddl_file)
    missing = [column.name for column in definition.columns if column.name not in frame.columns]
    if missing:
        raise PlatformError(f"table {name} of sql/ddl/{ddl_file} declares {', '.join(missing)}, "
                            f"which its input does not have")
    return frame.select(*[F.col(column.name).cast(spark_type(column.sql_type)).alias(column.name)
                          for column in definition.columns])
