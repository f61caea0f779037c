"""The daily batch DAG, run for real with `dag.test()` on the local environment.

Raw data is generated at a small scale into a temporary platform home; the DAG runs
bronze -> silver -> gold -> warehouse -> reports through Airflow; the expected figures are
computed here from the raw CSV and the generator's truth file with plain pandas. Then the
data-quality DAG runs (once failing on purpose, once passing), the daily DAG runs again for the
same logical date, which must rewrite, not append, the weekly ML DAG scores gold, and last the
data-quality DAG runs once more after a silver row has been broken by hand.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.config import Settings, load_settings
from jobs.generator import generate_raw
from jobs.ingest import landing
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.tables import STAR_SCHEMA
from jobs.model.tables import tables as model_tables
from jobs.resources import sql_dir
from jobs.serve import publication
from jobs.trust.quality.results import results_uri

pytestmark = pytest.mark.integration
# A fixed world: the same data on any day (the default, today, has tests of its own).
NOW = date(2026, 7, 1)

SCALE = 3_000
SEED = 11
LOGICAL_DATE = "2026-11-20T02:00:00+00:00"
ML_LOGICAL_DATE = "2026-11-22T05:00:00+00:00"
ML_MODELS = {"demand_forecast", "anomaly_detection", "churn", "customer_segments", "cross_sell"}
DAILY_TASKS = {"bronze", "silver", "gold", "warehouse", "reports"}
# Defects whose row is a second copy of a valid transaction: the first copy stays valid.
DUPLICATE_DEFECTS = {"exact_duplicate", "duplicate_transaction_id"}


@pytest.fixture(scope="module")
def settings(airflow) -> Settings:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(airflow.platform_home))
        settings = load_settings("local")
    generate_raw(settings, transactions=SCALE, seed=SEED, now=NOW)
    return settings


@pytest.fixture(scope="module")
def first_run(airflow, settings):
    run = airflow.test_dag("platform_daily_batch", LOGICAL_DATE)
    print(f"platform_daily_batch, {SCALE} transactions: one full dag.test() run took {run.seconds:.0f} s")
    return run, _snapshot(settings)


@pytest.fixture(scope="module")
def failing_quality_run(airflow, first_run):
    return airflow.test_dag("platform_data_quality", None, conf={"max_quarantine_ratio": 0.0, "fail_on_warnings": True})


@pytest.fixture(scope="module")
def quality_run(airflow, failing_quality_run):
    return airflow.test_dag("platform_data_quality", None)


@pytest.fixture(scope="module")
def rerun(airflow, settings, quality_run):
    run = airflow.test_dag("platform_daily_batch", LOGICAL_DATE)
    return run, _snapshot(settings)


@pytest.fixture(scope="module")
def weekly_ml_run(airflow, rerun):
    return airflow.test_dag("platform_weekly_ml", ML_LOGICAL_DATE)


@pytest.fixture(scope="module")
def broken_silver_quality_run(airflow, settings, weekly_ml_run):
    """The data-quality DAG after one published silver transaction lost its account_id (last: it
    leaves silver broken)."""
    folder = Path(settings.layer_uri("silver")) / "transactions"
    table = pq.read_table(folder)
    rows = table.to_pylist()
    rows[0]["account_id"] = None
    for part in folder.glob("*.parquet"):
        part.unlink()
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), folder / "part-00000.parquet")
    return airflow.test_dag("platform_data_quality", None)


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def _snapshot(settings: Settings) -> dict:
    """Row count of every warehouse table, the transaction ids, and the gold files written."""
    with _warehouse(settings) as connection:
        tables = [name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}
        ids = [row[0] for row in connection.execute("SELECT transaction_id FROM fact_transaction").fetchall()]
        lineage_runs = {row[0] for row in connection.execute(
            "SELECT arg_max(platform_run_id, event_time) FROM lineage_events "
            "WHERE job_name LIKE 'gold.%' AND event_type = 'COMPLETE' GROUP BY job_name").fetchall()}
    gold, locate = Path(settings.layer_uri("gold")), publication.locator(settings)
    folders = {folder.name: folder for folder in gold.iterdir() if folder.is_dir() and folder.name != publication.PUBLICATIONS}
    folders |= {table: Path(locate(table)) for table in model_tables(STAR_SCHEMA)}
    files = {name: len(list(folder.glob("*.parquet"))) for name, folder in folders.items()}
    return {"counts": counts, "transaction_ids": ids, "lineage_runs": lineage_runs, "gold_files": files}


def _expected_transactions(settings: Settings) -> pd.DataFrame:
    """Valid raw transactions: drop rows the truth file names as defective, keep the first copy of an id."""
    raw = landing.read_table(settings, "transactions").to_pandas()
    truth = pd.read_csv(Path(settings.layer_uri("truth")) / "dirty_rows.csv", dtype=str)
    dirty = truth[truth["dataset"] == "transactions"]
    rejected_ids = set(dirty.loc[~dirty["defect"].isin(DUPLICATE_DEFECTS), "row_key"])
    valid = raw[~raw["transaction_id"].isin(rejected_ids)].drop_duplicates("transaction_id", keep="first")
    assert len(valid) == len(raw) - len(dirty), "every defective row is exactly one raw row"
    return valid


def _ddl_columns(table: str) -> list[str]:
    ddl = (sql_dir() / "ddl" / "operations.sql").read_text()
    body = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \((.*?)\n\);", ddl, re.DOTALL).group(1)
    return [line.split()[0] for line in body.strip().splitlines()]


def test_daily_batch_runs_every_task_successfully(first_run):
    run, _ = first_run
    assert run.state == "success", run.log[-3000:]
    assert run.tasks == {task: "success" for task in DAILY_TASKS}


def test_warehouse_holds_exactly_the_valid_raw_transactions(first_run, settings):
    _, snapshot = first_run
    expected = _expected_transactions(settings)
    assert snapshot["counts"]["fact_transaction"] == len(expected)
    assert sorted(snapshot["transaction_ids"]) == sorted(expected["transaction_id"])


def test_the_reports_answer_from_the_warehouse(first_run, settings):
    expected = _expected_transactions(settings)
    report_files = {path.stem for path in (sql_dir() / "reports").glob("*.sql")}
    assert {path.stem for path in settings.reports_dir.glob("*.csv")} == report_files
    assert (settings.reports_dir / "report.html").is_file()

    revenue = pd.read_csv(settings.reports_dir / "01_revenue_trends.csv", dtype={"revenue": str})
    months = revenue[revenue["grain"] == "month"]
    assert months["transactions"].sum() == len(expected)
    assert sum(Decimal(value) for value in months["revenue"]) == sum(Decimal(value) for value in expected["amount"])


def _quality_results(settings: Settings, run_id: str) -> pd.DataFrame:
    results = pq.read_table(Path(settings.layer_uri("gold")) / "dq_results").to_pandas()
    return results[results["run_id"] == run_id]


def _gate_results(settings: Settings, run_id: str) -> list[dict]:
    """The rows both gates of one quality run wrote."""
    return [row for suite in ("silver", "gold") for row in pq.read_table(results_uri(settings, run_id, suite)).to_pylist()]


def test_a_failed_quality_check_fails_the_run_at_once_and_alerts(failing_quality_run, settings):
    run = failing_quality_run
    assert run.state == "failed"
    assert run.tasks == {"check_published_data": "failed"}
    # No retry: the first try is the last, and the alert names the task and the run.
    assert f"ALERT: task check_published_data of DAG platform_data_quality failed in run {run.run_id} after 1 tries" in run.log

    # With no quarantine allowed, every dataset with a planted defect fails its quarantine-share check.
    truth = pd.read_csv(Path(settings.layer_uri("truth")) / "dirty_rows.csv", dtype=str)
    results = _quality_results(settings, run.run_id)
    failed = results[~results["success"]]
    assert set(failed["severity"]) == {"warning"}
    shares = failed[failed["expectation"] == "expect_table_row_count_to_be_between"]
    assert set(shares["dataset"]) == {f"silver.{dataset}" for dataset in truth["dataset"]}


def test_the_quality_run_passes_and_writes_dq_results(quality_run, first_run, settings):
    assert quality_run.state == "success", quality_run.log[-3000:]
    assert quality_run.tasks == {"check_published_data": "success"}
    _, snapshot = first_run
    assert pq.read_table(Path(settings.layer_uri("gold")) / "dq_results").column_names == _ddl_columns("dq_results")
    rows = _quality_results(settings, quality_run.run_id)
    assert set(rows["suite"]) == {"silver", "gold"}
    assert {row["run_id"] for row in _gate_results(settings, quality_run.run_id)} == {quality_run.run_id}
    assert rows.loc[rows["severity"] == "critical", "success"].all()
    assert {f"silver.{dataset}" for dataset in RAW_COLUMNS} <= set(rows["dataset"])
    fact_rows = rows[(rows["dataset"] == "gold.fact_transaction") & (rows["expectation"] == "expect_table_row_count_to_equal")]
    assert len(fact_rows) == 1 and fact_rows["success"].all()
    assert str(snapshot["counts"]["fact_transaction"]) in fact_rows["observed"].iloc[0]


def test_rerunning_the_same_logical_date_rewrites_without_duplicates(rerun, first_run, quality_run, settings):
    run, after = rerun
    _, before = first_run
    assert run.state == "success", run.log[-3000:]
    assert run.run_id != first_run[0].run_id

    assert len(after["transaction_ids"]) == len(set(after["transaction_ids"]))
    assert sorted(after["transaction_ids"]) == sorted(before["transaction_ids"])
    assert after["gold_files"] | {"dq_results": 0} == before["gold_files"] | {"dq_results": 0}
    growing = ("dq_results", "lineage_events")   # histories: every run adds to them
    unchanged = {table: count for table, count in after["counts"].items() if table not in growing}
    assert unchanged == {table: count for table, count in before["counts"].items() if table not in growing}

    # The rebuilt warehouse picked up the quality results, and the lineage names the new run.
    quality_rows = pq.read_table(Path(settings.layer_uri("gold")) / "dq_results").num_rows
    assert after["counts"]["dq_results"] == quality_rows
    assert after["lineage_runs"] == {run.run_id}


def test_weekly_ml_scores_the_warehouse_under_a_version_named_after_the_logical_date(weekly_ml_run, rerun, settings):
    assert weekly_ml_run.state == "success", weekly_ml_run.log[-3000:]
    assert weekly_ml_run.tasks == {"train_and_score": "success", "warehouse": "success", "reports": "success"}
    version = "20261122T050000Z-weekly"
    with _warehouse(settings) as connection:
        for table in ("ml_anomaly_scores", "ml_demand_forecast", "ml_cross_sell"):
            versions = connection.execute(f"SELECT DISTINCT model_version FROM {table}").fetchall()
            assert versions == [(version,)], table
        unknown = connection.execute("SELECT count(*) FROM ml_anomaly_scores s LEFT JOIN fact_transaction f "
                                     "USING (transaction_id) WHERE f.transaction_id IS NULL").fetchone()[0]
        transactions = connection.execute("SELECT count(*) FROM fact_transaction").fetchone()[0]
    assert unknown == 0
    assert transactions == rerun[1]["counts"]["fact_transaction"]
    models = Path(settings.layer_uri("gold")).parent / "models"
    assert {folder.name for folder in models.iterdir() if (folder / version).is_dir()} == ML_MODELS


def test_a_broken_silver_row_fails_the_quality_run_at_once_naming_the_expectation(broken_silver_quality_run, settings):
    run = broken_silver_quality_run
    assert run.state == "failed"
    assert run.tasks == {"check_published_data": "failed"}
    assert "silver.transactions expect_column_values_to_not_be_null(account_id): 1 rows" in run.log
    assert (f"ALERT: task check_published_data of DAG platform_data_quality failed in run {run.run_id} "
            "after 1 tries") in run.log
    failed = [row for row in _gate_results(settings, run.run_id) if not row["success"]]
    assert ("silver.transactions", "account_id", 1) in {
        (row["dataset"], row["column_name"], row["unexpected_count"]) for row in failed
    }
