"""Data-quality gate on the warehouse, run each time the daily batch has rebuilt it.

Calls `jobs.quality.run_quality_checks`: row counts, orphan keys and quarantine ratios, written to
`<gold>/dq_results/` (replaced on every run, so a re-run never duplicates results). A failed
check fails the run at once, without retries: the data would not change between tries.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, task
from airflow.sdk.exceptions import AirflowFailException
from platform_common import START_DATE, WAREHOUSE_ASSET, default_args, platform_settings


@dag(
    dag_id="platform_data_quality",
    schedule=[WAREHOUSE_ASSET],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args=default_args(execution_timeout=timedelta(minutes=15)),
    params={
        "max_quarantine_ratio": Param(
            0.05, type="number", minimum=0, maximum=1, description="Highest share of a raw dataset allowed in quarantine"
        )
    },
    tags=["rtdp", "quality"],
    doc_md=__doc__,
)
def platform_data_quality():
    @task
    def check_warehouse(run_id: str | None = None, params: dict | None = None) -> dict[str, int]:
        """Run the checks, write the results, fail the run if any check failed."""
        from jobs.quality import run_quality_checks

        outcome = run_quality_checks(
            platform_settings(), run_id=run_id, max_quarantine_ratio=params["max_quarantine_ratio"]
        )
        if outcome.failures:
            raise AirflowFailException(outcome.describe_failures())
        return {"checks": len(outcome.results), "failed": 0}

    check_warehouse()


platform_data_quality()
