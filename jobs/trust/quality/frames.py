"""Lake datasets read with pyarrow through jobs.storage (local folder or s3://) into pandas.

Decimal columns become float64, because GX computes sums and ranges on floats anyway; the
suites allow half a cent of rounding where they compare money sums. Dates become datetime64 so
that minimum and maximum compare like timestamps.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError


def _money_as_float(table: pa.Table) -> pa.Table:
    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(index, field.name, pc.cast(table.column(index), pa.float64()))
    return table


def read_frame(settings: Settings, uri: str, what: str) -> pd.DataFrame:
    """The Parquet dataset at `uri` as pandas; PlatformError naming `what` if it is absent."""
    parquet = storage.parquet_dataset(settings, uri)
    if parquet is None:
        raise PlatformError(f"{what} not found at {uri}: run the step that writes it first")
    return _money_as_float(parquet.to_table()).to_pandas(date_as_object=False)


def row_count(settings: Settings, uri: str) -> int:
    """Rows of the Parquet dataset at `uri` from the file footers; 0 when it does not exist."""
    parquet = storage.parquet_dataset(settings, uri)
    return 0 if parquet is None else parquet.count_rows()
