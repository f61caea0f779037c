"""Gold Parquet in and out for the ML jobs, through jobs.storage (local folders and S3 alike).

Inputs are the gold tables the Spark pipeline published; outputs are written with exactly the
columns and types of their table in sql/ddl, so the warehouse loads them unchanged, and are
published the same way (jobs.serve.publication).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.model.tables import OPERATIONS, STAR_SCHEMA, tables
from jobs.serve import publication

_DECIMAL = "DECIMAL"
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    # TIMESTAMP without time zone, values in UTC: what Spark writes for TIMESTAMP_NTZ.
    "TIMESTAMP": pa.timestamp("us"),
}
OUTPUT_FILE = "part-00000.parquet"


def _arrow_type(sql_type: str) -> pa.DataType:
    if sql_type.upper().startswith(_DECIMAL):
        precision, scale = sql_type[sql_type.index("(") + 1:-1].split(",")
        return pa.decimal128(int(precision), int(scale))
    return _ARROW_TYPES[sql_type.upper()]


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table of sql/ddl (star schema or operations), in DDL column order."""
    for ddl_file in (STAR_SCHEMA, OPERATIONS):
        definition = tables(ddl_file).get(table)
        if definition:
            return pa.schema([(column.name, _arrow_type(column.sql_type)) for column in definition.columns])
    raise KeyError(f"table {table} is in no file of sql/ddl")


def read_gold(settings: Settings, table: str, columns: list[str] | None = None,
              locate: Callable[[str], str] | None = None) -> pd.DataFrame:
    """The gold table `table` as published (at `locate(table)`, by default the current
    publication); PlatformError if the gold step has not written it."""
    uri = (locate or publication.locator(settings))(table)
    if not storage.exists(settings, uri):
        raise PlatformError(f"gold table {table} not found at {uri}: run `rtdp gold` first")
    filesystem, path = storage.filesystem(settings, uri)
    return pq.read_table(path, filesystem=filesystem, columns=columns).to_pandas()


def write_gold(settings: Settings, table: str, frame: pd.DataFrame, run_id: str) -> int:
    """Publish `frame`, conformed to the DDL of `table`, as the gold table `table` (a folder of
    its own and the pointer switched, jobs.serve.publication); return the rows. Until the switch,
    readers keep the previous version."""
    data = pa.Table.from_pandas(frame[arrow_schema(table).names], schema=arrow_schema(table), preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(data, buffer)
    folder = publication.new_folder(settings, run_id)
    storage.write_bytes(settings, storage.join(folder, table, OUTPUT_FILE), buffer.getvalue())
    publication.publish(settings, run_id, folder, [table])
    return data.num_rows


def read_truth(settings: Settings, name: str) -> pd.DataFrame | None:
    """A ground-truth CSV of the generator (e.g. anomalies), or None where there is none.

    Truth is only used to evaluate models after training; production data has no truth.
    """
    uri = storage.join(settings.layer_uri("truth"), f"{name}.csv")
    if not storage.exists(settings, uri):
        return None
    return pd.read_csv(io.BytesIO(storage.read_bytes(settings, uri)), dtype=str)
