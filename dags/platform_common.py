"""What the platform DAGs share: ownership, retries, timeouts, the alert, the environment, common tasks.

Not a DAG itself (listed in .airflowignore). The platform's environment (local, dev or prod) is
the Airflow Variable `rtdp_env`, else the environment variable RTDP_ENV, else `local`; where the
data lives comes from that environment's settings, never from the DAG files.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Variable, task

ENV_VARIABLE = "rtdp_env"
OWNER = "data-platform"
# A fixed date in the past; with catchup=False only the latest interval is ever scheduled.
START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")

# Updated by every warehouse build (daily batch, weekly ML); a new warehouse triggers the quality run.
WAREHOUSE_ASSET = Asset(name="rtdp_warehouse", uri="rtdp://warehouse")

alerts = logging.getLogger("rtdp.alerts")


def alert_on_failure(context: dict[str, Any]) -> None:
    """Log one ALERT line for a task that failed for good (after its retries).

    Logging is the alert channel every environment has; a team forwards these lines (or swaps
    this callback for an Airflow notifier) to chat or paging.
    """
    task_instance = context["task_instance"]
    alerts.error(
        "ALERT: task %s of DAG %s failed in run %s after %s tries: %s",
        task_instance.task_id,
        task_instance.dag_id,
        context["run_id"],
        task_instance.try_number,
        context.get("exception"),
    )


def default_args(execution_timeout: timedelta, retries: int = 2) -> dict[str, Any]:
    """Task defaults of a platform DAG: owner, retries with back-off, a timeout, the failure alert."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "execution_timeout": execution_timeout,
        "on_failure_callback": alert_on_failure,
    }


def platform_env() -> str:
    """The environment the jobs run against; read at run time, not when the DAG file is parsed."""
    return Variable.get(ENV_VARIABLE, default=os.environ.get("RTDP_ENV", "local"))


def platform_settings():
    """Settings of the platform environment (jobs.config), imported lazily to keep parsing fast."""
    from jobs.config import load_settings

    return load_settings(platform_env())


@task(outlets=[WAREHOUSE_ASSET])
def warehouse() -> dict[str, int]:
    """Gold -> DuckDB warehouse, rebuilt from sql/ddl and swapped in atomically."""
    from jobs.operate.roles import acting_as
    from jobs.serve.warehouse import build_warehouse

    settings = platform_settings()
    with acting_as(settings, "warehouse"):
        return build_warehouse(settings)


@task
def reports() -> dict[str, str]:
    """The SQL reports -> one CSV each and the HTML report."""
    from jobs.operate.roles import acting_as
    from jobs.serve.reports import run_reports

    settings = platform_settings()
    with acting_as(settings, "reports"):
        result = run_reports(settings)
    return {report.name: report.status for report in result.reports}
