"""Dataset names of the OpenLineage naming conventions, and the graph the events describe."""

from __future__ import annotations

import pytest

from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.trust.lineage.emit import job_run
from jobs.trust.lineage.graph import LineageGraph
from jobs.trust.lineage.naming import dataset_key, openlineage_dataset

pytestmark = pytest.mark.unit

KEYS = ["raw.transactions", "kafka.transactions", "bronze.accounts", "silver.transactions", "quarantine.customers",
        "gold.fact_transaction", "warehouse.fact_transaction", "report.01_revenue_trends"]


def test_local_names_are_absolute_paths_of_the_files(local_settings):
    home = local_settings.home
    assert openlineage_dataset(local_settings, "raw.transactions") == ("file", f"{home}/data/raw/transactions")
    assert openlineage_dataset(local_settings, "silver.transactions") == ("file", f"{home}/data/lake/silver/transactions")
    assert openlineage_dataset(local_settings, "report.01_revenue_trends") == (
        "file", f"{home}/data/reports/01_revenue_trends.csv")
    assert openlineage_dataset(local_settings, "kafka.transactions") == ("kafka://127.0.0.1:9092", "transactions")
    assert openlineage_dataset(local_settings, "warehouse.dim_date") == (
        f"duckdb://{home}/data/warehouse/platform.duckdb", "platform.main.dim_date")


def test_s3_names_are_bucket_and_key_and_topics_carry_the_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    dev = load_settings("dev")
    assert openlineage_dataset(dev, "raw.transactions") == ("s3://rtdp-dev-raw", "raw/transactions")
    assert openlineage_dataset(dev, "quarantine.transactions") == ("s3://rtdp-dev-raw", "quarantine/transactions")
    assert openlineage_dataset(dev, "kafka.transactions") == ("kafka://127.0.0.1:9092", "dev.transactions")


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_dataset_key_inverts_the_names(env, monkeypatch, tmp_path):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings(env)
    for key in KEYS:
        assert dataset_key(settings, *openlineage_dataset(settings, key)) == key


def test_foreign_datasets_have_no_key(local_settings):
    home = local_settings.home
    assert dataset_key(local_settings, "file", "/elsewhere/transactions.csv") is None
    assert dataset_key(local_settings, "file", f"{home}/data/raw/notes.txt") is None
    assert dataset_key(local_settings, "file", f"{home}/data/lake/silver/transactions/part-0.parquet") is None
    assert dataset_key(local_settings, "postgres://db:5432", "shop.public.orders") is None
    assert dataset_key(local_settings, "kafka://other:9092", "transactions") is None


def test_bad_key_is_one_clear_error(local_settings):
    with pytest.raises(PlatformError, match="not a dataset key"):
        openlineage_dataset(local_settings, "lake.transactions")


def test_graph_from_edges_walks_both_ways():
    graph = LineageGraph.from_edges([
        ("raw.a", "bronze.a"), ("bronze.a", "silver.a"), ("raw.b", "bronze.b"), ("bronze.b", "silver.b"),
        ("silver.a", "gold.f"), ("silver.b", "gold.f"), ("gold.f", "warehouse.f"),
    ])
    assert graph.parents("gold.f") == ["silver.a", "silver.b"]
    assert graph.children("raw.a") == ["bronze.a"]
    assert set(graph.upstream("warehouse.f")) == {"gold.f", "silver.a", "silver.b", "bronze.a", "bronze.b", "raw.a", "raw.b"}
    assert graph.upstream("warehouse.f")[0] == "gold.f"  # nearest first
    assert graph.downstream("raw.b") == ["bronze.b", "silver.b", "gold.f", "warehouse.f"]
    assert sorted(graph.chain("warehouse.f")) == [
        ["warehouse.f", "gold.f", "silver.a", "bronze.a", "raw.a"],
        ["warehouse.f", "gold.f", "silver.b", "bronze.b", "raw.b"],
    ]
    assert graph.chain("raw.a") == [["raw.a"]]


def test_graph_survives_cycles_and_ignores_self_edges():
    graph = LineageGraph.from_edges([("a.x", "b.x"), ("b.x", "a.x"), ("b.x", "b.x")])
    assert graph.upstream("a.x") == ["b.x"]
    assert graph.chain("a.x") == [["a.x", "b.x"]]


def test_graph_of_events_uses_each_jobs_latest_successful_run(local_settings):
    with job_run(local_settings, "silver.transactions", ["bronze.transactions"]) as run:
        run.output("silver.transactions", rows=5)
    with job_run(local_settings, "silver.transactions", ["bronze.transactions", "silver.accounts"]) as run:
        run.output("silver.transactions", rows=7)
    with pytest.raises(RuntimeError), job_run(local_settings, "silver.transactions", ["bronze.other"]):
        raise RuntimeError("failed: wrote nothing")
    graph = LineageGraph.load(local_settings)
    assert graph.parents("silver.transactions") == ["bronze.transactions", "silver.accounts"]
    assert graph.last_write("silver.transactions").row_count == 7
    assert "bronze.other" not in graph.datasets


def test_graph_skips_a_damaged_line(local_settings):
    with job_run(local_settings, "bronze.accounts", ["raw.accounts"]) as run:
        run.output("bronze.accounts", rows=1)
    with local_settings.lineage_events_path.open("a") as events:
        events.write('{"eventType": "COMPLETE", "run": {"ru\n')
    assert LineageGraph.load(local_settings).parents("bronze.accounts") == ["raw.accounts"]


def test_graph_without_events_is_empty(local_settings):
    assert LineageGraph.load(local_settings).datasets == []
