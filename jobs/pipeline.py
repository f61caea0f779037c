"""The batch medallion pipeline: raw CSV -> bronze -> silver -> gold, on Spark.

bronze: raw files as received plus ingestion metadata; silver: typed, validated and
de-duplicated, rejects in quarantine with a reason; gold: the star schema of sql/ddl.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest.bronze import run_bronze
from jobs.refine.silver import run_silver
from jobs.serve.gold import run_gold
from jobs.spark import spark_session
from jobs.trust.lineage.emit import PLATFORM_RUN_TAG, JobRun, job_run
from jobs.trust.lineage.steps import LineageRecord, emit_dataset_runs

STEPS = {"bronze": run_bronze, "silver": run_silver, "gold": run_gold}

__all__ = ["STEPS", "LineageRecord", "run_pipeline"]


def run_pipeline(
    settings: Settings, steps: Sequence[str] = ("bronze", "silver", "gold"), *, run_id: str,
    parent: JobRun | None = None,
) -> list[LineageRecord]:
    """Run `steps` in the given order on the Spark session of `settings`; return their lineage.

    Emits OpenLineage events: a `pipeline` run (tagged with `run_id`, under `parent` if given),
    one `pipeline.<step>` run per step inside it, and per dataset written one run named after
    it (e.g. `silver.transactions`) with its inputs and outputs and their row counts. A step
    that raises ends its run, and the pipeline's, with FAIL.
    """
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise PlatformError(f"unknown pipeline step(s): {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    spark = spark_session(settings)
    records: list[LineageRecord] = []
    with job_run(settings, "pipeline", parent=parent, job_type="DAG", tags={PLATFORM_RUN_TAG: run_id}) as pipeline:
        for step in steps:
            with job_run(settings, f"pipeline.{step}", parent=pipeline, job_type="TASK") as step_run:
                step_records = STEPS[step](settings, spark, run_id)
                emit_dataset_runs(settings, step_records, parent=step_run)
            records += step_records
    return records
