"""One small platform run (generate -> bronze, silver, gold -> warehouse -> reports) and the
OpenLineage events it leaves: one START and one COMPLETE per run, the right datasets, row
counts that match the files, and a report whose lineage reaches the raw CSV file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobs.cli import app
from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.ingest import landing
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.pipeline import run_pipeline
from jobs.serve import publication
from jobs.serve.reports import run_reports
from jobs.serve.warehouse import build_warehouse, connect
from jobs.trust.lineage.generation import generate_raw_with_lineage
from jobs.trust.lineage.graph import LineageGraph
from jobs.trust.lineage.naming import openlineage_dataset
from lineage_io import parquet_rows, read_event_lines

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def platform_run(spark, tmp_path_factory):
    """Settings of a home where the platform ran once on 1,000 transactions, and the number of
    events written before the warehouse was built."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        settings = load_settings("local")
        generate_raw_with_lineage(settings, transactions=1000, seed=7)
        run_pipeline(settings, run_id="run-1")
        before_warehouse = len(read_event_lines(settings.lineage_events_path))
        build_warehouse(settings)
        run_reports(settings)
        yield settings, before_warehouse


def _runs(events: list[dict]) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    for event in events:
        runs.setdefault(event["run"]["runId"], []).append(event)
    return runs


def _complete(events: list[dict], job: str) -> dict:
    [event] = [e for e in events if e["job"]["name"] == job and e["eventType"] == "COMPLETE"]
    return event


def _counts(datasets: list[dict], facet: str, statistics: str) -> dict[tuple[str, str], int]:
    return {(d["namespace"], d["name"]): d[facet][statistics]["rowCount"] for d in datasets}


def test_every_event_is_valid_and_every_run_starts_and_completes(platform_run, event_validator):
    settings, _ = platform_run
    events = read_event_lines(settings.lineage_events_path)
    for event in events:
        event_validator.validate(event)
    runs = _runs(events)
    assert all([e["eventType"] for e in run] == ["START", "COMPLETE"] for run in runs.values())
    names = Counter(run[0]["job"]["name"] for run in runs.values())
    expected = {"generate", "pipeline", "pipeline.bronze", "pipeline.silver", "pipeline.gold", "warehouse", "reports"}
    expected |= {f"{layer}.{dataset}" for layer in ("bronze", "silver") for dataset in RAW_COLUMNS}
    assert expected <= set(names)
    assert all(count == 1 for count in names.values())
    assert {event["job"]["namespace"] for event in events} == {"rtdp-local"}


def test_steps_hang_under_the_pipeline_run_tagged_with_the_platform_run_id(platform_run):
    settings, _ = platform_run
    events = read_event_lines(settings.lineage_events_path)
    [pipeline] = [e for e in events if e["job"]["name"] == "pipeline" and e["eventType"] == "START"]
    assert {"key": "rtdp.run_id", "value": "run-1", "source": "RTDP"} in pipeline["run"]["facets"]["tags"]["tags"]
    for step in ("bronze", "silver", "gold"):
        step_run = _complete(events, f"pipeline.{step}")
        assert step_run["run"]["facets"]["parent"]["run"]["runId"] == pipeline["run"]["runId"]
        dataset_runs = [e for e in events if e["eventType"] == "COMPLETE"
                        and e["run"]["facets"].get("parent", {}).get("run", {}).get("runId") == step_run["run"]["runId"]]
        assert dataset_runs and all(e["job"]["name"].startswith(f"{step}.") for e in dataset_runs)


def test_row_counts_match_the_files(platform_run):
    settings, _ = platform_run
    events = read_event_lines(settings.lineage_events_path)
    raw_dir = Path(settings.layer_uri("raw"))
    generated = _counts(_complete(events, "generate")["outputs"], "outputFacets", "outputStatistics")
    assert generated == {("file", str(raw_dir / dataset)): landing.read_table(settings, dataset).num_rows
                         for dataset in RAW_COLUMNS}
    for dataset in RAW_COLUMNS:
        raw_rows = landing.read_table(settings, dataset).num_rows
        lake = {layer: Path(settings.layer_uri(layer)) / dataset for layer in ("bronze", "silver", "quarantine")}
        bronze = _complete(events, f"bronze.{dataset}")
        assert _counts(bronze["inputs"], "inputFacets", "inputStatistics") == {
            ("file", str(raw_dir / dataset)): raw_rows}
        assert _counts(bronze["outputs"], "outputFacets", "outputStatistics") == {
            ("file", str(lake["bronze"])): raw_rows}
        silver = _complete(events, f"silver.{dataset}")
        assert _counts(silver["inputs"], "inputFacets", "inputStatistics") == {("file", str(lake["bronze"])): raw_rows}
        written = _counts(silver["outputs"], "outputFacets", "outputStatistics")
        assert written == {("file", str(lake["silver"])): parquet_rows(lake["silver"]),
                           ("file", str(lake["quarantine"])): parquet_rows(lake["quarantine"])}
        assert sum(written.values()) == raw_rows  # nothing dropped silently


def test_gold_runs_name_their_silver_sources_and_gold_rows(platform_run):
    settings, _ = platform_run
    events = read_event_lines(settings.lineage_events_path)
    fact = _complete(events, "gold.fact_transaction")
    inputs = {d["name"] for d in fact["inputs"]}
    assert str(Path(settings.layer_uri("silver")) / "transactions") in inputs
    assert all("/silver/" in name for name in inputs)
    # The dataset keeps one name across runs (the table), whichever publication folder holds it.
    gold = Path(settings.layer_uri("gold")) / "fact_transaction"
    published = Path(publication.table_uri(settings, "fact_transaction"))
    [output] = fact["outputs"]
    assert (output["name"], output["outputFacets"]["outputStatistics"]["rowCount"]) == (str(gold), parquet_rows(published))
    assert "transaction_id" in [field["name"] for field in output["facets"]["schema"]["fields"]]


def test_report_lineage_reaches_the_raw_transactions_file(platform_run):
    settings, _ = platform_run
    graph = LineageGraph.load(settings)
    report = "report.01_revenue_trends"
    assert graph.parents(report) == ["warehouse.dim_date", "warehouse.fact_transaction"]
    assert "raw.transactions" in graph.upstream(report)
    assert ["report.01_revenue_trends", "warehouse.fact_transaction", "gold.fact_transaction", "silver.transactions",
            "bronze.transactions", "raw.transactions"] in graph.chain(report)
    assert all(path[-1].startswith("raw.") for path in graph.chain(report))
    # The raw end of the chain is the folder of the extracts, as OpenLineage names it.
    assert openlineage_dataset(settings, "raw.transactions") == ("file", settings.layer_uri("raw") + "/transactions")


def test_warehouse_holds_the_events_written_before_it(platform_run):
    settings, before_warehouse = platform_run
    # The build's own START is written before it reads the file, its COMPLETE after.
    events = read_event_lines(settings.lineage_events_path)[:before_warehouse + 1]
    assert (events[-1]["job"]["name"], events[-1]["eventType"]) == ("warehouse", "START")
    expected = Counter((e["run"]["runId"], e["eventType"]) for e in events)
    connection = connect(settings.warehouse_path, read_only=True)
    try:
        loaded = Counter(connection.execute("SELECT DISTINCT run_id, event_type, event_time FROM lineage_events").fetchall())
        silver = connection.execute(
            "SELECT dataset_key, direction, row_count FROM lineage_events "
            "WHERE job_name = 'silver.transactions' AND event_type = 'COMPLETE' ORDER BY direction, dataset_key").fetchall()
        tagged = connection.execute(
            "SELECT DISTINCT platform_run_id FROM lineage_events WHERE job_name = 'pipeline'").fetchall()
    finally:
        connection.close()
    assert Counter((run_id, event_type) for run_id, event_type, _ in loaded) == expected
    lake = Path(settings.layer_uri("silver")).parent
    assert silver == [
        ("bronze.transactions", "input", landing.read_table(settings, "transactions").num_rows),
        ("quarantine.transactions", "output", parquet_rows(lake / "quarantine" / "transactions")),
        ("silver.transactions", "output", parquet_rows(lake / "silver" / "transactions")),
    ]
    assert tagged == [("run-1",)]


def test_cli_shows_the_chain_of_a_report(platform_run):
    settings, _ = platform_run
    result = CliRunner().invoke(app, ["lineage", "show", "01_revenue_trends"], env={"RTDP_HOME": str(settings.home)})
    assert result.exit_code == 0, result.output
    for key in ("report.01_revenue_trends", "warehouse.fact_transaction", "bronze.transactions", "raw.transactions"):
        assert key in result.output
    unknown = CliRunner().invoke(app, ["lineage", "show", "99_nothing"], env={"RTDP_HOME": str(settings.home)})
    assert unknown.exit_code == 1 and "no lineage recorded for '99_nothing'" in unknown.output


def test_a_failing_step_ends_with_fail(spark, local_settings, event_validator):
    # No raw extracts in this fresh home: bronze fails before writing anything.
    with pytest.raises(PlatformError, match=r"^no customers extracts in "):
        run_pipeline(local_settings, run_id="run-2")
    events = read_event_lines(local_settings.lineage_events_path)
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        ("pipeline", "START"), ("pipeline.bronze", "START"), ("pipeline.bronze", "FAIL"), ("pipeline", "FAIL")]
    for event in events:
        event_validator.validate(event)
    assert events[2]["run"]["facets"]["errorMessage"]["message"].startswith("no customers extracts in ")
    assert LineageGraph.load(local_settings).datasets == []
