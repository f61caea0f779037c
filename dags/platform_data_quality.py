"""Data-quality gates on the published data, run each time the warehouse has been rebuilt, or
on demand.

The daily batch already gates gold (jobs.serve.gold: silver is validated before gold is
built, staged gold before it is published). This DAG re-runs both gates, with
`jobs.trust.quality.gate`, on what is published now: silver, and gold against silver, e.g. after
someone changed the data by hand. Every result goes to `<gold>/dq_results/` and the GX data docs.
A failed critical expectation fails the run at once, without retries: the data would not change
between tries. With `fail_on_warnings`, failed warnings fail the run too.
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
            0.05, type="number", minimum=0, maximum=1,
            description="Highest share of a raw dataset's rows in quarantine before a warning",
        ),
        "fail_on_warnings": Param(False, type="boolean", description="Fail the run on failed warnings too"),
    },
    tags=["rtdp", "quality"],
    doc_md=__doc__,
)
def platform_data_quality():
    @task
    def check_published_data(run_id: str | None = None, params: dict | None = None) -> dict[str, object]:
        """Run the silver and gold gates on the published data; fail on a failed critical expectation."""
        from jobs.errors import PlatformError
        from jobs.operate.roles import acting_as
        from jobs.trust.quality.gate import validate_gold, validate_silver

        settings = platform_settings()
        strict = params["fail_on_warnings"]
        with acting_as(settings, "quality"):
            outcomes = [
                validate_silver(settings, run_id, max_quarantine_ratio=params["max_quarantine_ratio"]),
                validate_gold(settings, run_id),
            ]
        try:
            for outcome in outcomes:
                outcome.raise_if_failed("published data needs attention", strict=strict)
        except PlatformError as failure:
            raise AirflowFailException(str(failure)) from None
        return {
            "expectations": sum(len(outcome.results) for outcome in outcomes),
            "failed_warnings": sum(len(outcome.failed_warnings) for outcome in outcomes),
            "data_docs": str(outcomes[0].data_docs),
        }

    check_published_data()


platform_data_quality()
