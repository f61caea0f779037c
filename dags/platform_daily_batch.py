"""Daily batch: raw landing data -> bronze -> silver -> gold -> DuckDB warehouse -> reports.

Every task calls one packaged job (`jobs.operate.submit.run_medallion`, `jobs.serve.warehouse.build_warehouse`,
`jobs.serve.reports.run_reports`); this file only schedules them. Each job replaces its outputs, so
re-running a logical date rewrites that date's results and never appends duplicates. The
medallion steps record the Airflow run id as the lineage run id.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task
from platform_common import START_DATE, default_args, platform_settings, reports, warehouse


def _medallion_step(step: str, run_id: str) -> dict[str, int]:
    # In-process in local; submitted to the cluster from the deployed release where there is one (dev).
    from jobs.operate.submit import run_medallion

    records, _ = run_medallion(platform_settings(), (step,), run_id)
    return {f"{record.source} -> {record.target}": record.rows_out for record in records}


@dag(
    dag_id="platform_daily_batch",
    schedule="0 2 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # the jobs overwrite shared outputs: never two runs at once
    dagrun_timeout=timedelta(hours=4),
    default_args=default_args(execution_timeout=timedelta(hours=1)),
    tags=["rtdp", "batch", "medallion"],
    doc_md=__doc__,
)
def platform_daily_batch():
    @task
    def bronze(run_id: str | None = None) -> dict[str, int]:
        """Raw CSV -> bronze Parquet plus ingestion metadata."""
        return _medallion_step("bronze", run_id)

    @task
    def silver(run_id: str | None = None) -> dict[str, int]:
        """Bronze -> silver: typed, validated, de-duplicated; rejects to quarantine."""
        return _medallion_step("silver", run_id)

    @task
    def gold(run_id: str | None = None) -> dict[str, int]:
        """Silver -> gold star schema."""
        return _medallion_step("gold", run_id)

    bronze() >> silver() >> gold() >> warehouse() >> reports()


platform_daily_batch()
