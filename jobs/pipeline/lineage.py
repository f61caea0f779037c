"""Lineage of a pipeline run: which dataset fed which, with row counts."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs import storage
from jobs.config import Settings
from jobs.pipeline import ddl, lake

LINEAGE_TABLE = "pipeline_lineage"


@dataclass(frozen=True)
class LineageRecord:
    """One edge of the lineage graph: `source` was read and `target` written by `step`.

    For a silver dataset rows_in == rows_out + rows_rejected: nothing is dropped silently.
    """

    run_id: str
    step: str
    source: str
    target: str
    rows_in: int
    rows_out: int
    rows_rejected: int


def write_lineage(settings: Settings, spark: SparkSession, records: list[LineageRecord]) -> str:
    """Write `records` to `<gold>/pipeline_lineage/`, replacing the lineage of the steps they cover
    and keeping the latest lineage of the other steps (steps may run as separate commands or
    tasks); return its URI."""
    schema = ddl.table(LINEAGE_TABLE, ddl.OPERATIONS).schema
    uri = storage.join(settings.layer_uri("gold"), LINEAGE_TABLE)
    kept: list[tuple] = []
    if storage.exists(settings, uri):
        # Collected before the overwrite below: Spark must not read the folder it replaces.
        earlier = spark.read.parquet(storage.spark_path(uri)).select(*schema.names)
        kept = [tuple(row) for row in earlier.where(~F.col("step").isin(*{r.step for r in records})).collect()]
    frame = spark.createDataFrame(kept + [astuple(record) for record in records], schema)
    lake.write_sorted(frame, uri, [])
    return uri
