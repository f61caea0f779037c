"""The generated catalog against the DDL it must show, the quality results and the lineage.

Expected columns, descriptions and PII tags are read here straight from sql/ddl with DuckDB
and a regular expression, independently of jobs.trust.catalog.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from html_pages import index_links, read_page
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.trust.catalog import build_catalog, catalog_index
from jobs.trust.catalog.cli import app
from jobs.trust.lineage.graph import LineageGraph

pytestmark = pytest.mark.unit

DDL_DIR = Path(__file__).resolve().parents[2] / "sql" / "ddl"
TAG = re.compile(r" \[PII: (direct|indirect)\]$")


def ddl_columns(file_name: str) -> dict[str, list[tuple[str, str, str]]]:
    """Table -> [(column, type, full comment)] as DuckDB sees the DDL file."""
    connection = duckdb.connect(":memory:")
    connection.execute((DDL_DIR / file_name).read_text())
    rows = connection.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() ORDER BY table_oid, column_index"
    ).fetchall()
    tables: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, data_type, comment in rows:
        tables.setdefault(table, []).append((column, data_type, comment or ""))
    return tables


def expected_datasets() -> dict[str, list[tuple[str, str, str]]]:
    """Dataset key -> its DDL columns: lake tables <layer>_<dataset>, gold and warehouse tables."""
    expected = {}
    for table, columns in ddl_columns("lake.sql").items():
        layer, dataset = table.split("_", 1)
        expected[f"{layer}.{dataset}"] = columns
    for file_name in ("star_schema.sql", "operations.sql"):
        for table, columns in ddl_columns(file_name).items():
            expected[f"warehouse.{table}"] = columns
            # Built by the warehouse from the quarantine folders and from the lineage events file.
            if table not in ("quarantine", "lineage_events"):
                expected[f"gold.{table}"] = columns
    return expected


def dq_row(run_id, dataset, expectation, severity, success, observed=None, column=None):
    return {
        "run_id": run_id, "checked_at": dt.datetime(2025, 3, 1, 12, 0), "suite": dataset.split(".")[0],
        "dataset": dataset, "expectation": expectation, "column_name": column, "severity": severity,
        "success": success, "unexpected_count": None if success else 3, "element_count": 100,
        "observed": observed,
    }


DQ_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("checked_at", pa.timestamp("us")), ("suite", pa.string()), ("dataset", pa.string()),
    ("expectation", pa.string()), ("column_name", pa.string()), ("severity", pa.string()), ("success", pa.bool_()),
    ("unexpected_count", pa.int64()), ("element_count", pa.int64()), ("observed", pa.string()),
])

# One file per gate run, as the quality gates write them; run ids sort by time.
DQ_RUNS = {
    "20250301T100000-silver": [
        dq_row("20250301T100000", "silver.transactions", "expect_column_values_to_not_be_null", "critical", False,
               "3 nulls", "amount"),
        dq_row("20250301T100000", "silver.customers", "expect_column_values_to_be_unique", "critical", False),
    ],
    "20250302T100000-silver": [
        dq_row("20250302T100000", "silver.transactions", "expect_column_values_to_not_be_null", "critical", True),
        dq_row("20250302T100000", "silver.transactions", "expect_column_values_to_be_between", "warning", False,
               "max 9999.00", "amount"),
    ],
    "20250302T100000-gold": [
        dq_row("20250302T100000", "gold.fact_transaction", "expect_table_row_count_to_be_between", "critical", True),
        dq_row("20250302T100000", "gold.fact_transaction", "expect_column_values_to_be_in_set", "critical", False,
               "channel fax", "channel"),
        dq_row("20250302T100000", "gold.dim_product", "expect_column_values_to_be_unique", "critical", True),
    ],
}
EDGES = [
    ("raw.transactions", "bronze.transactions"),
    ("bronze.transactions", "silver.transactions"),
    ("silver.transactions", "gold.fact_transaction"),
    ("gold.fact_transaction", "warehouse.fact_transaction"),
    ("warehouse.fact_transaction", "report.01_revenue_trends"),
]


@pytest.fixture
def catalog(local_settings):
    folder = Path(local_settings.layer_uri("gold")) / "dq_results"
    folder.mkdir(parents=True)
    for name, rows in DQ_RUNS.items():
        pq.write_table(pa.Table.from_pylist(rows, schema=DQ_SCHEMA), folder / f"{name}.parquet")
    result = build_catalog(local_settings, LineageGraph.from_edges(EDGES))
    return result.index_path


def page_of(index: Path, key: str) -> Path:
    return index.parent / index_links(index)[key]


def test_every_ddl_table_is_listed_with_all_its_columns_described(catalog):
    expected = expected_datasets()
    assert {key.split(".")[0] for key in expected} >= {"raw", "bronze", "silver", "quarantine", "gold", "warehouse"}
    links = index_links(catalog)
    assert set(expected) <= set(links)
    for key, columns in expected.items():
        shown = read_page(catalog.parent / links[key]).columns
        assert [(cell["column-name"], cell["column-type"]) for cell in shown] == [(c, t) for c, t, _ in columns], key
        for cell, (_, _, comment) in zip(shown, columns, strict=True):
            assert cell["column-description"], f"{key}.{cell['column-name']} has no description"
            assert cell["column-description"] == TAG.sub("", comment)


def test_lake_tables_cover_each_raw_dataset_in_each_lake_layer():
    tables = ddl_columns("lake.sql")
    assert set(tables) == {f"{layer}_{dataset}" for layer in ("raw", "bronze", "silver", "quarantine")
                           for dataset in RAW_COLUMNS}
    for dataset, columns in RAW_COLUMNS.items():
        assert [column for column, _, _ in tables[f"raw_{dataset}"]] == list(columns)
        assert {data_type for _, data_type, _ in tables[f"raw_{dataset}"]} == {"VARCHAR"}


def test_pii_classes_are_shown_and_never_left_in_descriptions(catalog):
    expected = expected_datasets()
    tagged = 0
    for key, columns in expected.items():
        shown = read_page(page_of(catalog, key)).columns
        for cell, (_, _, comment) in zip(shown, columns, strict=True):
            match = TAG.search(comment)
            assert cell["column-pii"] == (match.group(1) if match else "none"), f"{key}.{cell['column-name']}"
            assert "PII" not in cell["column-description"]
            tagged += bool(match)
    assert tagged > 0
    customer = {cell["column-name"]: cell["column-pii"] for cell in read_page(page_of(catalog, "gold.dim_customer")).columns}
    assert customer["email"] == "direct" and customer["name"] == "direct"
    assert customer["customer_type"] == "none"


def test_quality_status_is_the_last_run_of_each_dataset(catalog):
    transactions = read_page(page_of(catalog, "silver.transactions"))
    # The first run failed a critical check; the later run only a warning one.
    assert transactions.quality_state == "warnings"
    assert transactions.failed_expectations == ["expect_column_values_to_be_between"]
    fact = read_page(page_of(catalog, "gold.fact_transaction"))
    assert fact.quality_state == "failed"
    assert fact.failed_expectations == ["expect_column_values_to_be_in_set"]
    assert read_page(page_of(catalog, "gold.dim_product")).quality_state == "passed"
    assert read_page(page_of(catalog, "silver.customers")).quality_state == "failed"
    assert read_page(page_of(catalog, "silver.products")).quality_state == "not checked"


def test_lineage_links_appear_on_both_ends(catalog):
    links = index_links(catalog)
    for upstream, downstream in EDGES:
        assert links[upstream] in read_page(page_of(catalog, downstream)).links["upstream"]
        assert links[downstream] in read_page(page_of(catalog, upstream)).links["downstream"]
    assert read_page(page_of(catalog, "raw.transactions")).links["upstream"] == []
    for page in catalog.parent.glob("*.html"):
        for kind in ("upstream", "downstream"):
            assert all((catalog.parent / href).is_file() for href in read_page(page).links[kind])


def test_dataset_known_only_from_lineage_gets_a_page(local_settings):
    index = build_catalog(local_settings, LineageGraph.from_edges([("bronze.stream_x", "silver.stream_x")])).index_path
    links = index_links(index)
    assert {"bronze.stream_x", "silver.stream_x"} <= set(links)
    assert "Not described" in page_of(index, "silver.stream_x").read_text()


def test_html_is_escaped(local_settings, monkeypatch):
    from jobs.trust.catalog import build
    from jobs.trust.catalog.datasets import Dataset

    hostile = Dataset("gold", "hostile", "<script>alert(1)</script>", "data-platform team", (), "test")
    monkeypatch.setattr(build, "all_datasets", lambda: [hostile])
    index = build_catalog(local_settings, LineageGraph.from_edges([])).index_path
    for page in (index, page_of(index, "gold.hostile")):
        text = page.read_text()
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_cli_builds_the_catalog_and_prints_its_index(local_settings):
    result = CliRunner().invoke(app, ["build", "--env", "local"])
    assert result.exit_code == 0, result.output
    printed = Path(result.output.strip())
    assert printed == catalog_index(local_settings)
    assert printed.is_file()
    assert len(index_links(printed)) >= len(expected_datasets())


@pytest.mark.parametrize("comment", ["Email [PII: secret]", "Email [PII: direct] of the customer", "Email [pii: direct"])
def test_a_malformed_pii_tag_stops_the_build(comment):
    from jobs.errors import PlatformError
    from jobs.trust.catalog.pii import split_pii

    with pytest.raises(PlatformError, match="dim_customer.email"):
        split_pii(comment, "dim_customer.email")
