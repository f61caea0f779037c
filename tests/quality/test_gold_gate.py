"""The gold step behind its gates, with Spark: a clean silver layer is published; a defect in
silver or in the built gold stops the step and leaves the published gold exactly as it was, and
so does a gold run killed half-way."""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pyspark.sql import functions as F

from jobs.config import Settings, load_settings
from jobs.model.tables import STAR_SCHEMA, tables
from jobs.serve import gold, publication
from jobs.serve.gold import run_gold
from jobs.serve.warehouse import build_warehouse, connect
from jobs.trust.quality.gate import QualityGateFailed, validate_gold
from jobs.trust.quality.location import data_docs_index
from silver_data import clean_silver_rows, write_silver

pytestmark = pytest.mark.spark

GOLD_TABLES = list(tables(STAR_SCHEMA))
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _settings(home: Path) -> Settings:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        return load_settings("local")


@pytest.fixture(scope="module")
def published(tmp_path_factory, spark):
    """A home whose clean silver went through run_gold once (run id `clean`)."""
    home = tmp_path_factory.mktemp("published")
    settings = _settings(home)
    rows = clean_silver_rows()
    write_silver(settings, rows)
    records = run_gold(settings, spark, "clean")
    return home, rows, records


@pytest.fixture
def copy_of_published(published, tmp_path) -> tuple[Settings, dict]:
    """A private copy of the published home and its silver rows, for a test that breaks something."""
    home, rows, _ = published
    shutil.copytree(home, tmp_path, dirs_exist_ok=True)
    return _settings(tmp_path), copy.deepcopy(rows)


def _gold_files(settings: Settings) -> dict[str, str]:
    """Content hash of every file of the gold tables a reader finds now."""
    locate = publication.locator(settings)
    return {
        f"{table}/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
        for table in GOLD_TABLES for path in sorted(Path(locate(table)).rglob("*")) if path.is_file()
    }




def _results(settings: Settings, run_id: str, suite: str) -> pd.DataFrame:
    return pq.read_table(Path(settings.layer_uri("gold")) / "dq_results" / f"{run_id}-{suite}.parquet").to_pandas()


def test_clean_silver_is_published_with_every_expectation_met(published):
    home, rows, records = published
    settings = _settings(home)
    gold_root = Path(settings.layer_uri("gold"))
    assert {path.name for path in gold_root.iterdir()} == {"_publications", "dq_results"}
    current = publication.current(settings)
    assert (current.run_id, set(current.tables)) == ("clean", set(GOLD_TABLES))
    assert publication.folders(settings) == sorted(set(current.tables.values()))
    assert {record.target for record in records} == {f"gold.{table}" for table in GOLD_TABLES}

    silver_results, gold_results = _results(settings, "clean", "silver"), _results(settings, "clean", "gold")
    assert silver_results["success"].all() and gold_results["success"].all()
    assert set(gold_results["dataset"]) == {f"gold.{table}" for table in GOLD_TABLES}

    # The published tables hold what the clean silver rows say, counted here independently.
    fact = pq.read_table(publication.table_uri(settings, "fact_transaction")).to_pandas()
    assert len(fact) == len(rows["transactions"])
    assert sum(fact["amount"]) == sum(row["amount"] for row in rows["transactions"])
    days = [row["transaction_ts"].date() for row in rows["transactions"]] + [row["snapshot_date"] for row in rows["inventory"]]
    assert pq.read_table(publication.table_uri(settings, "dim_date")).num_rows == (max(days) - min(days)).days + 1
    row_count = gold_results[(gold_results["dataset"] == "gold.dim_date")
                             & (gold_results["expectation"] == "expect_table_row_count_to_equal")]
    assert row_count["observed"].tolist() == [f"observed {(max(days) - min(days)).days + 1}"]


def test_corrupted_silver_stops_the_step_before_gold_is_touched(copy_of_published, spark):
    settings, rows = copy_of_published
    before = _gold_files(settings)
    rows["transactions"][0]["account_id"] = None
    rows["transactions"][1]["product_id"] = "P99"
    write_silver(settings, rows)

    with pytest.raises(QualityGateFailed) as raised:
        run_gold(settings, spark, "broken")

    message = str(raised.value)
    assert message.startswith("silver quality gate failed: ")
    assert "silver.transactions expect_column_values_to_not_be_null(account_id): 1 rows" in message
    assert "silver.transactions expect_column_values_to_be_in_set(product_id): 1 rows" in message
    assert _gold_files(settings) == before
    failed = _results(settings, "broken", "silver")
    assert set(failed.loc[~failed["success"], "column_name"]) == {"account_id", "product_id"}
    assert publication.folders(settings) == sorted(set(publication.current(settings).tables.values()))


def test_a_gold_defect_blocks_publishing(copy_of_published, spark, monkeypatch):
    settings, rows = copy_of_published
    before = _gold_files(settings)
    build = gold.gold_tables
    lost = rows["transactions"][0]

    def losing_one_transaction(silver, *keys):
        built = build(silver, *keys)
        frame, sources = built["fact_transaction"]
        built["fact_transaction"] = (frame.filter(F.col("transaction_id") != lost["transaction_id"]), sources)
        return built

    monkeypatch.setattr(gold, "gold_tables", losing_one_transaction)
    with pytest.raises(QualityGateFailed) as raised:
        run_gold(settings, spark, "lossy")

    message = str(raised.value)
    assert message.startswith("gold quality gate failed: ")
    assert "gold not published, its tables removed" in message
    assert _gold_files(settings) == before
    assert publication.folders(settings) == sorted(set(publication.current(settings).tables.values()))
    failed = _results(settings, "lossy", "gold")
    failed = failed[~failed["success"]]
    expected_sum = float(sum(row["amount"] for row in rows["transactions"]) - lost["amount"])
    assert set(zip(failed["dataset"], failed["expectation"], failed["column_name"].fillna(""))) == {
        ("gold.fact_transaction", "expect_table_row_count_to_equal", ""),
        ("gold.fact_transaction", "expect_column_sum_to_be_between", "amount"),
        ("gold.fact_transaction", "expect_column_sum_to_be_between", "quantity"),
    } | ({("gold.fact_transaction", "expect_column_max_to_be_between", "transaction_ts")}
         if lost["transaction_ts"] == max(row["transaction_ts"] for row in rows["transactions"]) else set())
    observed_sum = failed.loc[failed["column_name"] == "amount", "observed"].item()
    assert float(observed_sum.removeprefix("observed ")) == pytest.approx(expected_sum, abs=0.005)


def test_a_tampered_gold_table_fails_its_key_expectations(published, tmp_path):
    home, _, _ = published
    settings = _settings(home)
    tampered = tmp_path / "gold"
    shutil.copytree(Path(publication.table_uri(settings, "dim_product")).parent, tampered)
    products = pq.read_table(tampered / "dim_product").to_pandas()
    products.loc[1, "product_id"] = products.loc[0, "product_id"]
    shutil.rmtree(tampered / "dim_product")
    (tampered / "dim_product").mkdir()
    products.to_parquet(tampered / "dim_product" / "part-0.parquet", index=False)

    outcome = validate_gold(settings, "tampered", lambda table: str(tampered / table))

    assert not outcome.passed
    assert {(r.dataset, r.expectation, r.column_name, r.unexpected_count) for r in outcome.failed_critical} == {
        ("gold.dim_product", "expect_column_values_to_be_unique", "product_id", 2),
    }
    html = data_docs_index(settings).read_text()
    assert all(f"gold.{table}" in html for table in GOLD_TABLES)


def _tables_written(folder: Path) -> list[str]:
    return [table for table in GOLD_TABLES if (folder / table / "_SUCCESS").exists()]


def test_a_gold_run_killed_between_tables_changes_nothing_readers_see(copy_of_published, spark, tmp_path):
    settings, rows = copy_of_published
    before, published_before = _gold_files(settings), publication.current(settings)
    old_revenue = sum(row["amount"] for row in rows["transactions"])
    rows["transactions"][0]["amount"] += 100  # the next gold differs from the published one
    write_silver(settings, rows)

    log = tmp_path / "gold.log"
    with log.open("wb") as output:
        job = subprocess.Popen([sys.executable, "-m", "jobs.cli", "gold"], env={**os.environ, "RTDP_HOME": str(settings.home)},
                               cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while True:
            started = [Path(publication.publications_uri(settings)) / name for name in publication.folders(settings)
                       if name not in published_before.tables.values()]
            if started and len(_tables_written(started[0])) >= 2:
                break
            assert job.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()

    [killed] = started
    assert 2 <= len(_tables_written(killed)) < len(GOLD_TABLES)  # killed between two tables
    assert publication.current(settings) == published_before
    assert _gold_files(settings) == before
    build_warehouse(settings)  # a reader of the whole gold
    with connect(settings.warehouse_path, read_only=True) as warehouse:
        assert warehouse.execute("SELECT sum(amount) FROM fact_transaction").fetchone()[0] == old_revenue

    run_gold(settings, spark, "after-the-kill")
    folders = {*published_before.tables.values(), *publication.current(settings).tables.values()}
    assert publication.folders(settings) == sorted(folders)  # the killed run's folder is gone
    fact = pq.read_table(publication.table_uri(settings, "fact_transaction")).to_pandas()
    assert sum(fact["amount"]) == old_revenue + 100
