"""The data-quality checks the quality DAG runs, on a tiny warehouse built from sql/ddl by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.quality import ForeignKey, foreign_keys, run_quality_checks
from jobs.resources import sql_dir

pytestmark = pytest.mark.unit

# One consistent row per star table (a customer in two SCD2 versions), plus quarantined rows.
ROWS = """
INSERT INTO dim_date VALUES (20250331, DATE '2025-03-31', 2025, 1, 3, 'March', 14, 31, 1, 'Monday', false);
INSERT INTO dim_customer VALUES
    (1, 'C1', 'Ada', 'ada@example.com', 'Hamburg', 'Individual', TIMESTAMP '2024-01-01', TIMESTAMP '2025-02-01', false),
    (2, 'C1', 'Ada', 'ada@example.com', 'Berlin', 'Individual', TIMESTAMP '2025-02-01', TIMESTAMP '9999-12-31', true);
INSERT INTO dim_product VALUES ('P1', 'Laptop', 'Electronics', 'Northwind', 500, 800);
INSERT INTO dim_account VALUES ('A1', 'Checking', 1234.56, DATE '2020-05-01');
INSERT INTO bridge_customer_account VALUES ('C1', 'A1', 'Primary');
INSERT INTO fact_transaction SELECT 'T' || i, 20250331, 'A1', 'P1', 799.99, 1, TIMESTAMP '2025-03-31 12:00:00', 'online'
    FROM range(99) AS r(i);
INSERT INTO fact_inventory VALUES ('S1', 20250331, 'P1', 'North', DATE '2025-03-31', 4, 10);
INSERT INTO fact_customer_behavior VALUES ('C1', DATE '2025-03-31', 0, 99, 79199.01, 1, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO quarantine VALUES ('transactions', 'unknown_account', '{}', 'transactions.csv', 'b1');
"""


@pytest.fixture
def warehouse(local_settings: Settings) -> Path:
    path = local_settings.warehouse_path
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as connection:
        for ddl in ("star_schema.sql", "operations.sql"):
            connection.execute((sql_dir() / "ddl" / ddl).read_text())
        connection.execute(ROWS)
    return path


def _execute(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute(sql)


def _written(settings: Settings):
    return pq.read_table(Path(settings.layer_uri("gold")) / "dq_results").to_pandas()


def _result(results, dataset: str, expectation: str):
    matches = [r for r in results if r.dataset == dataset and r.expectation == expectation]
    assert len(matches) == 1, (dataset, expectation)
    return matches[0]


def test_a_consistent_warehouse_passes_every_check(local_settings, warehouse):
    outcome = run_quality_checks(local_settings, run_id="dq-1")
    assert outcome.failures == []
    assert outcome.describe_failures() == ""
    assert _result(outcome.results, "fact_transaction", "row_count > 0").observed == "99 rows"
    # 1 quarantined transaction next to 99 loaded ones: exactly 1%.
    assert _result(outcome.results, "transactions", "quarantined share <= 5.0%").observed == "1.00% (1 of 100 rows)"


def test_results_replace_the_previous_run_and_have_the_ddl_columns(local_settings, warehouse):
    run_quality_checks(local_settings, run_id="dq-1")
    outcome = run_quality_checks(local_settings, run_id="dq-2")
    written = _written(local_settings)
    with duckdb.connect() as connection:
        connection.execute((sql_dir() / "ddl" / "operations.sql").read_text())
        ddl_columns = [row[0] for row in connection.execute("DESCRIBE dq_results").fetchall()]
    assert list(written.columns) == ddl_columns
    assert len(written) == len(outcome.results)
    assert set(written["run_id"]) == {"dq-2"}


def test_key_relations_come_from_the_ddl_comments(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        keys = set(foreign_keys(connection))
    assert {
        ForeignKey("fact_transaction", "date_key", "dim_date"),
        ForeignKey("fact_transaction", "account_id", "dim_account"),
        ForeignKey("fact_transaction", "product_id", "dim_product"),
        ForeignKey("fact_inventory", "product_id", "dim_product"),
        ForeignKey("bridge_customer_account", "customer_id", "dim_customer"),
        ForeignKey("bridge_customer_account", "account_id", "dim_account"),
    } <= keys


def test_an_orphan_key_fails_its_check_with_the_evidence(local_settings, warehouse):
    _execute(warehouse, "INSERT INTO fact_transaction VALUES "
                        "('T-orphan', 20250331, 'A404', 'P1', 1.00, 1, TIMESTAMP '2025-03-31 13:00:00', 'store')")
    outcome = run_quality_checks(local_settings, run_id="dq-1")
    failed = [(r.dataset, r.expectation, r.observed) for r in outcome.failures]
    assert failed == [("fact_transaction", "every account_id exists in dim_account", "1 orphan rows, e.g. account_id A404")]
    message = outcome.describe_failures()
    assert message.startswith(f"1 of {len(outcome.results)} data-quality checks failed: fact_transaction")
    assert "\n" not in message
    assert not _written(local_settings)["success"].all()


def test_an_empty_star_table_fails_its_row_count(local_settings, warehouse):
    _execute(warehouse, "DELETE FROM fact_inventory")
    outcome = run_quality_checks(local_settings, run_id="dq-1")
    assert [(r.dataset, r.expectation) for r in outcome.failures] == [("fact_inventory", "row_count > 0")]


def test_quarantine_ratio_above_the_threshold_fails(local_settings, warehouse):
    _execute(warehouse, "INSERT INTO quarantine SELECT 'transactions', 'bad_amount', '{}', 'transactions.csv', 'b1' "
                        "FROM range(10)")
    strict = run_quality_checks(local_settings, run_id="dq-1", max_quarantine_ratio=0.09)
    assert [(r.dataset, r.observed) for r in strict.failures] == [("transactions", "10.00% (11 of 110 rows)")]
    lenient = run_quality_checks(local_settings, run_id="dq-2", max_quarantine_ratio=0.10)  # the threshold is inclusive
    assert lenient.failures == []


def test_a_missing_warehouse_is_one_clear_error(local_settings):
    with pytest.raises(PlatformError, match="warehouse not found at .*: run `rtdp warehouse` first"):
        run_quality_checks(local_settings, run_id="dq-1")
