"""The silver gate on a small silver layer written with pyarrow: clean passes, each injected
defect fails exactly its expectation with the number of rows injected."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.resources import sql_dir
from jobs.trust.quality.gate import QualityGateFailed, validate_silver
from jobs.trust.quality.location import data_docs_index
from silver_data import write_silver

pytestmark = pytest.mark.unit


def _ddl_columns(table: str) -> list[str]:
    with duckdb.connect() as connection:
        connection.execute((sql_dir() / "ddl" / "operations.sql").read_text())
        return [row[0] for row in connection.execute(f"DESCRIBE {table}").fetchall()]


def _failed(outcome) -> set[tuple[str, str, str | None, int | None]]:
    return {(r.dataset, r.expectation, r.column_name, r.unexpected_count) for r in outcome.results if not r.success}


def test_clean_silver_passes_every_expectation(local_settings, clean_silver):
    outcome = validate_silver(local_settings, "run-1")
    assert outcome.passed
    assert [r for r in outcome.results if not r.success] == []
    assert {r.dataset for r in outcome.results} == {f"silver.{dataset}" for dataset in RAW_COLUMNS}
    assert {r.severity for r in outcome.results} == {"critical", "warning"}
    counts = {r.dataset: r.element_count for r in outcome.results}
    assert counts == {f"silver.{dataset}": len(rows) for dataset, rows in clean_silver.items()}
    outcome.raise_if_failed()  # nothing to raise


def test_injected_defects_fail_exactly_their_expectations(local_settings, clean_silver):
    rows = clean_silver
    transactions = rows["transactions"]
    transactions[3]["account_id"] = None
    transactions[4]["account_id"] = None
    transactions[10]["transaction_id"] = transactions[11]["transaction_id"]  # both rows share the id
    transactions[20]["product_id"] = "P99"  # no such product
    rows["inventory"][5]["quantity"] = -3
    write_silver(local_settings, rows)

    outcome = validate_silver(local_settings, "run-bad")

    assert _failed(outcome) == {
        ("silver.transactions", "expect_column_values_to_not_be_null", "account_id", 2),
        ("silver.transactions", "expect_column_values_to_be_unique", "transaction_id", 2),
        ("silver.transactions", "expect_column_values_to_be_in_set", "product_id", 1),
        ("silver.inventory", "expect_column_values_to_be_between", "quantity", 1),
    }
    assert {r.severity for r in outcome.results if not r.success} == {"critical"}
    with pytest.raises(QualityGateFailed) as raised:
        outcome.raise_if_failed()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("silver quality gate failed: ")
    assert "silver.transactions expect_column_values_to_not_be_null(account_id): 2 rows" in message
    assert "silver.transactions expect_column_values_to_be_unique(transaction_id): 2 rows" in message
    assert "silver.transactions expect_column_values_to_be_in_set(product_id): 1 rows" in message
    assert "silver.inventory expect_column_values_to_be_between(quantity): 1 rows" in message
    assert message.endswith(f"gold not published (data docs: {data_docs_index(local_settings)})")


def test_an_unknown_account_type_is_only_a_warning(local_settings, clean_silver):
    clean_silver["accounts"][0]["account_type"] = "Crypto"
    write_silver(local_settings, clean_silver)
    outcome = validate_silver(local_settings, "run-warn")
    assert outcome.passed
    assert [(r.dataset, r.column_name, r.severity, r.unexpected_count) for r in outcome.failed_warnings] == [
        ("silver.accounts", "account_type", "warning", 1)
    ]
    outcome.raise_if_failed()
    with pytest.raises(QualityGateFailed, match=r"silver.accounts expect_column_values_to_be_in_set\(account_type\)"):
        outcome.raise_if_failed(strict=True)


def test_results_land_in_dq_results_with_the_ddl_columns(local_settings, clean_silver):
    first = validate_silver(local_settings, "run-1")
    validate_silver(local_settings, "run-2")
    folder = local_settings.layer_uri("gold") + "/dq_results"
    written = pq.read_table(f"{folder}/run-1-silver.parquet")
    assert written.column_names == _ddl_columns("dq_results")
    frame = written.to_pandas()
    assert len(frame) == len(first.results)
    assert set(frame["run_id"]) == {"run-1"} and set(frame["suite"]) == {"silver"}
    not_null = frame[(frame["dataset"] == "silver.transactions") & (frame["column_name"] == "transaction_id")
                     & (frame["expectation"] == "expect_column_values_to_not_be_null")]
    assert not_null[["success", "unexpected_count", "element_count"]].values.tolist() == [
        [True, 0, len(clean_silver["transactions"])]
    ]
    # History is kept: one file per gate run.
    assert sorted(path.name for path in Path(folder).glob("*.parquet")) == [
        "run-1-silver.parquet", "run-2-silver.parquet"
    ]


def test_data_docs_name_every_suite(local_settings, clean_silver):
    validate_silver(local_settings, "run-1")
    index = data_docs_index(local_settings)
    assert index.is_file()
    html = index.read_text()
    for dataset in RAW_COLUMNS:
        assert f"silver.{dataset}" in html
        # The run's own page of each dataset's result, and of its suite.
        assert list((index.parent / "validations" / "silver" / dataset / "run-1").glob("*/*.html"))
        assert (index.parent / "expectations" / "silver" / f"{dataset}.html").is_file()
