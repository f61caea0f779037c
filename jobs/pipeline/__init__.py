"""The batch medallion pipeline: raw CSV -> bronze -> silver -> gold, on Spark.

bronze: raw files as received plus ingestion metadata; silver: typed, validated and
de-duplicated, rejects in quarantine with a reason; gold: the star schema of sql/ddl.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.pipeline.bronze import run_bronze
from jobs.pipeline.gold import run_gold
from jobs.pipeline.lineage import LineageRecord, write_lineage
from jobs.pipeline.silver import run_silver
from jobs.spark import spark_session

STEPS = {"bronze": run_bronze, "silver": run_silver, "gold": run_gold}

__all__ = ["STEPS", "LineageRecord", "run_pipeline"]


def run_pipeline(
    settings: Settings, steps: Sequence[str] = ("bronze", "silver", "gold"), *, run_id: str
) -> list[LineageRecord]:
    """Run `steps` in the given order on the Spark session of `settings`.

    Writes the lineage of this run to `<gold>/pipeline_lineage/` (replacing the previous run's)
    and returns it.
    """
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise PlatformError(f"unknown pipeline step(s): {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    spark = spark_session(settings)
    records: list[LineageRecord] = []
    for step in steps:
        records += STEPS[step](settings, spark, run_id)
    write_lineage(settings, spark, records)
    return records
