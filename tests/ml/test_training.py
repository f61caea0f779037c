"""The whole ML run: outputs shaped like the DDL, warehouse and reports 7-9 filled, CLI behaviour."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jobs.serve.reports import run_reports
from jobs.serve.warehouse import build_warehouse
from ml.cli import app, summary_table
from ml.gold_tables import arrow_schema

ML_TABLES = ("ml_demand_forecast", "ml_anomaly_scores", "ml_cross_sell", "fact_customer_behavior")
PIPELINE_COLUMNS = ("customer_id", "as_of_date", "recency_days", "frequency", "monetary", "distinct_categories",
                    "last_transaction_ts")


@pytest.mark.e2e
@pytest.mark.spark
@pytest.mark.parametrize("table", ML_TABLES)
def test_outputs_have_exactly_the_ddl_columns_and_types(ml_world, table):
    written = pq.read_table(ml_world.gold(table))
    assert written.schema.names == arrow_schema(table).names
    assert [str(field.type) for field in written.schema] == [str(field.type) for field in arrow_schema(table)]
    assert ml_world.summary.rows_written[table] == written.num_rows > 0


@pytest.mark.e2e
@pytest.mark.spark
def test_behavior_keeps_the_pipeline_columns_and_gains_the_model_version(ml_world, gold_table):
    after = gold_table("fact_customer_behavior").sort_values("customer_id").reset_index(drop=True)
    before = ml_world.behavior_before.sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(after[list(PIPELINE_COLUMNS)], before[list(PIPELINE_COLUMNS)])
    assert before["model_version"].isna().all()
    assert (after["model_version"] == ml_world.summary.version).all()


@pytest.mark.e2e
@pytest.mark.spark
def test_reports_7_8_and_9_show_real_numbers(ml_world):
    build_warehouse(ml_world.settings)
    outcomes = {outcome.name: outcome for outcome in run_reports(ml_world.settings).reports}
    anomalies, accuracy, cross_sell = (next(outcome for name, outcome in outcomes.items() if name.startswith(prefix))
                                       for prefix in ("07", "08", "09"))
    assert anomalies.produced and anomalies.rows == ml_world.summary.metrics["anomaly_detection"]["flagged"]
    assert cross_sell.produced and cross_sell.rows > 0
    assert accuracy.produced
    table = pd.read_csv(accuracy.csv_path)
    assert table["model_mape_pct"].notna().all() and table["baseline_mape_pct"].notna().all()
    assert "all categories" in set(table["category"])


@pytest.mark.e2e
@pytest.mark.spark
def test_summary_table_lists_every_model(ml_world):
    table = summary_table(ml_world.summary)
    assert table.row_count == len(ml_world.summary.runs)


@pytest.mark.unit
def test_cli_reports_missing_gold_as_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["train", "--env", "local"])
    assert result.exit_code == 1
    assert "gold table fact_transaction not found" in result.output
    assert "Traceback" not in result.output
