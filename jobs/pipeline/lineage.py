"""Lineage of a pipeline run: which dataset fed which, with row counts."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from pyspark.sql import SparkSession

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
    """Replace `<gold>/pipeline_lineage/` with `records` (the lineage of the last run); return its URI."""
    schema = ddl.table(LINEAGE_TABLE, ddl.OPERATIONS).schema
    frame = spark.createDataFrame([astuple(record) for record in records], schema)
    uri = storage.join(settings.layer_uri("gold"), LINEAGE_TABLE)
    lake.write_sorted(frame, uri, [])
    return uri
