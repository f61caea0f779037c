"""The data-quality DAG run for real with `dag.test()`: it re-runs the silver and gold gates on
the published data of a small generated platform, passes on clean data and fails, naming the
expectation, once a silver row has been broken by hand."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.config import Settings, load_settings
from jobs.generator import generate_raw
from jobs.pipeline.bronze import run_bronze
from jobs.pipeline.gold import run_gold
from jobs.pipeline.silver import run_silver
from jobs.quality.results import results_uri

pytestmark = [pytest.mark.integration, pytest.mark.spark]

TRANSACTIONS = 1_000
SEED = 5


@pytest.fixture(scope="module")
def settings(airflow, spark) -> Settings:
    """The platform home of the Airflow tests with bronze, silver and published gold."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(airflow.platform_home))
        settings = load_settings("local")
    generate_raw(settings, transactions=TRANSACTIONS, seed=SEED)
    for step in (run_bronze, run_silver, run_gold):
        step(settings, spark, "seed")
    return settings


@pytest.fixture(scope="module")
def passing_run(airflow, settings):
    return airflow.test_dag("platform_data_quality", None)


@pytest.fixture(scope="module")
def failing_run(airflow, settings, passing_run):
    """The same DAG after one silver transaction lost its account_id."""
    folder = Path(settings.layer_uri("silver")) / "transactions"
    table = pq.read_table(folder)
    rows = table.to_pylist()
    rows[0]["account_id"] = None
    for part in folder.glob("*.parquet"):
        part.unlink()
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), folder / "part-00000.parquet")
    return airflow.test_dag("platform_data_quality", None)


def _results(settings: Settings, run_id: str) -> list[dict]:
    """The dq_results rows both gates of one DAG run wrote."""
    return [row for suite in ("silver", "gold") for row in pq.read_table(results_uri(settings, run_id, suite)).to_pylist()]


def test_the_gates_pass_on_clean_published_data(passing_run, settings):
    assert passing_run.state == "success", passing_run.log[-3000:]
    assert passing_run.tasks == {"check_published_data": "success"}
    rows = _results(settings, passing_run.run_id)
    assert {row["run_id"] for row in rows} == {passing_run.run_id}
    assert {row["suite"] for row in rows} == {"silver", "gold"}
    assert all(row["success"] for row in rows if row["severity"] == "critical")


def test_a_broken_silver_row_fails_the_run_at_once_naming_the_expectation(failing_run, settings):
    assert failing_run.state == "failed"
    assert failing_run.tasks == {"check_published_data": "failed"}
    assert "silver.transactions expect_column_values_to_not_be_null(account_id): 1 rows" in failing_run.log
    # No retry: the first try is the last.
    assert (f"ALERT: task check_published_data of DAG platform_data_quality failed in run {failing_run.run_id} "
            "after 1 tries") in failing_run.log
    failed = [row for row in _results(settings, failing_run.run_id) if not row["success"]]
    assert ("silver.transactions", "account_id", 1) in {
        (row["dataset"], row["column_name"], row["unexpected_count"]) for row in failed
    }
