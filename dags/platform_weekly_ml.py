"""Weekly ML: train and score every model on gold, then reload the warehouse and the reports.

Calls `ml.train_and_score` through `jobs.operate.submit.train_models` (forecasting, anomalies, churn,
segments, cross-sell; on the cluster from the deployed release in dev). The model
version is named after the run's logical date, so re-running a week rewrites that version's
models and ML tables instead of adding another version; the ML tables in gold are replaced.
Runs on Sunday morning, after that day's daily batch has refreshed gold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task
from platform_common import START_DATE, default_args, platform_settings, reports, warehouse


@dag(
    dag_id="platform_weekly_ml",
    schedule="0 5 * * 0",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=4),
    default_args=default_args(execution_timeout=timedelta(hours=2)),
    tags=["rtdp", "ml"],
    doc_md=__doc__,
)
def platform_weekly_ml():
    @task
    def train_and_score(logical_date: datetime | None = None, dag_run=None) -> dict[str, int]:
        """Train, score and register the models; the version is the logical date (UTC)."""
        # In-process in local; submitted to the cluster from the deployed release where there is one (dev).
        from jobs.operate.submit import train_models

        moment = (logical_date or dag_run.run_after).astimezone(UTC)
        summary, _ = train_models(platform_settings(), version=f"{moment:%Y%m%dT%H%M%SZ}-weekly")
        return summary.rows_written

    train_and_score() >> warehouse() >> reports()


platform_weekly_ml()
