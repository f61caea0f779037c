"""The whole demo path on a small seed: generate -> bronze -> silver -> gold -> warehouse -> reports
-> data catalog, with the quality gates and the lineage events on the way.

Expected figures are computed here from the raw CSVs with plain pandas and the business rules
written out again, independently of the Spark code under test.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from jobs.config import Settings
from jobs.ingest import landing
from jobs.pipeline import run_pipeline
from jobs.serve import publication
from jobs.serve.reports import run_reports
from jobs.serve.warehouse import build_warehouse
from jobs.trust.catalog.build import build_catalog
from jobs.trust.lineage.generation import generate_raw_with_lineage
from jobs.trust.lineage.graph import LineageGraph

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

SCALE = 5_000
SEED = 7
CHANNELS = {"online", "mobile", "store", "phone"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory, spark):
    """Run the demo path once into a temporary home; yield its settings."""
    home = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        from jobs.config import load_settings

        settings = load_settings("local")
        generate_raw_with_lineage(settings, transactions=SCALE, seed=SEED)
        run_pipeline(settings, run_id="20250101T000000-e2e001")
        build_warehouse(settings)
        result = run_reports(settings)
        build_catalog(settings)
        yield settings, result


def _raw(settings: Settings, dataset: str) -> pd.DataFrame:
    return landing.read_table(settings, dataset).to_pandas()


def _expected_transactions(settings: Settings) -> tuple[pd.DataFrame, dict[str, int]]:
    """Valid transactions and rejection counts by reason, by the documented rules."""
    products = _raw(settings, "products")
    prices_ok = products[["cost_price", "list_price"]].apply(pd.to_numeric, errors="coerce")
    products = products[(products != "").all(axis=1) & prices_ok.notna().all(axis=1) & (prices_ok >= 0).all(axis=1)]
    known_products = set(products.drop_duplicates("product_id")["product_id"])
    links = _raw(settings, "customer_accounts")
    accounts_with_primary = set(links.loc[links["relationship_type"].str.strip().str.capitalize() == "Primary", "account_id"])
    known_accounts = set(_raw(settings, "accounts")["account_id"]) & accounts_with_primary

    tx = _raw(settings, "transactions")
    stripped = tx.apply(lambda column: column.str.strip())
    amount = pd.to_numeric(stripped["amount"], errors="coerce")
    quantity = pd.to_numeric(stripped["quantity"], errors="coerce")
    timestamp = pd.to_datetime(stripped["transaction_ts"], format="ISO8601", errors="coerce")
    channel = stripped["channel"].str.lower()
    rules = [
        ("missing_required_field", (stripped == "").any(axis=1)),
        ("invalid_number", amount.isna() | quantity.isna() | (quantity != quantity.round())),
        ("invalid_timestamp", timestamp.isna()),
        ("negative_amount", amount < 0),
        ("non_positive_quantity", quantity <= 0),
        ("unknown_channel", ~channel.isin(CHANNELS)),
        ("unknown_account", ~stripped["account_id"].isin(known_accounts)),
        ("unknown_product", ~stripped["product_id"].isin(known_products)),
    ]
    reason = pd.Series(None, index=tx.index, dtype=object)
    for name, failed in rules:
        reason = reason.where(reason.notna() | ~failed.fillna(False), name)
    passed = stripped[reason.isna()].assign(channel=channel)
    exact_repeat = passed.duplicated(keep="first")
    reason.loc[passed.index[exact_repeat]] = "duplicate_row"
    passed = passed[~exact_repeat]
    key_repeat = passed.duplicated("transaction_id", keep="first")
    reason.loc[passed.index[key_repeat]] = "duplicate_transaction_id"
    valid = passed[~key_repeat]
    return valid, reason.dropna().value_counts().to_dict()


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def test_fact_transaction_holds_exactly_the_valid_transactions(demo):
    settings, _ = demo
    valid, _ = _expected_transactions(settings)
    with _warehouse(settings) as warehouse:
        count, revenue = warehouse.sql("SELECT count(*), sum(amount) FROM fact_transaction").fetchone()
        ids = {row[0] for row in warehouse.sql("SELECT transaction_id FROM fact_transaction").fetchall()}
    assert count == len(valid)
    assert ids == set(valid["transaction_id"])
    assert revenue == sum(Decimal(amount) for amount in valid["amount"])


def test_quarantine_counts_by_reason_match_the_rules(demo):
    settings, _ = demo
    _, expected_reasons = _expected_transactions(settings)
    assert expected_reasons, "the generator should plant dirty transactions"
    with _warehouse(settings) as warehouse:
        found = dict(warehouse.sql(
            "SELECT reason, count(*) FROM quarantine WHERE dataset = 'transactions' GROUP BY reason").fetchall())
    assert found == expected_reasons


def test_every_raw_row_is_in_silver_or_quarantine(demo):
    settings, _ = demo
    with _warehouse(settings) as warehouse:
        lineage = warehouse.sql("""
            SELECT job_name,
                   sum(row_count) FILTER (WHERE direction = 'input'),
                   sum(row_count) FILTER (WHERE direction = 'output' AND dataset_key LIKE 'silver.%'),
                   sum(row_count) FILTER (WHERE direction = 'output' AND dataset_key LIKE 'quarantine.%')
            FROM lineage_events WHERE event_type = 'COMPLETE' AND job_name LIKE 'silver.%' GROUP BY job_name
        """).fetchall()
    assert len(lineage) == 6
    for job, rows_in, rows_out, rows_rejected in lineage:
        assert rows_in == rows_out + rows_rejected, job
        assert rows_in == len(_raw(settings, job.removeprefix("silver."))), job


def test_clean_demo_data_passes_every_quality_gate_and_the_report_chain_reaches_the_raw_file(demo):
    settings, result = demo
    with _warehouse(settings) as warehouse:
        checks = warehouse.sql("SELECT suite, count(*), count(*) FILTER (WHERE NOT success) FROM dq_results "
                               "WHERE severity = 'critical' GROUP BY suite").fetchall()
    assert {suite: failed for suite, _, failed in checks} == {"silver": 0, "gold": 0}
    assert all(total > 0 for _, total, _ in checks)
    assert "raw.transactions" in LineageGraph.load(settings).upstream("report.01_revenue_trends")
    report = pd.read_csv(next(r for r in result.reports if r.name.startswith("10")).csv_path)
    assert set(report.loc[report["section"] == "data quality", "status"]) <= {"passed", "warnings"}


def test_monthly_revenue_report_matches_raw_data(demo):
    settings, result = demo
    valid, _ = _expected_transactions(settings)
    month = pd.to_datetime(valid["transaction_ts"], format="ISO8601").dt.strftime("%Y-%m")
    expected = valid.assign(amount=valid["amount"].map(Decimal), month=month).groupby("month")["amount"].sum()
    report = next(r for r in result.reports if r.name.startswith("01"))
    table = pd.read_csv(report.csv_path)
    monthly = table[table["grain"] == "month"] if "grain" in table.columns else table
    assert len(monthly) > 0
    period_column = next(c for c in monthly.columns if c in ("period_start", "period", "month"))
    found = {str(period)[:7]: round(float(value), 2) for period, value in zip(monthly[period_column], monthly["revenue"])}
    assert found == {m: round(float(v), 2) for m, v in expected.items()}


def test_current_customers_are_the_valid_customer_ids(demo):
    settings, _ = demo
    customers = _raw(settings, "customers")
    email_ok = customers["email"].str.strip().str.lower().str.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    valid = customers[(customers != "").all(axis=1) & email_ok]
    with _warehouse(settings) as warehouse:
        current = warehouse.sql("SELECT count(*), count(DISTINCT customer_id) FROM dim_customer WHERE is_current").fetchone()
    assert current == (valid["customer_id"].nunique(), valid["customer_id"].nunique())


def test_all_ten_reports_and_the_html_are_written(demo):
    _, result = demo
    assert len(result.reports) == 10
    for report in result.reports:
        assert Path(report.csv_path).is_file(), report.name
    assert result.html_path.is_file()
    html = result.html_path.read_text()
    assert "<img" in html or "<svg" in html


def test_rerunning_the_pipeline_gives_identical_gold(demo, spark):
    settings, _ = demo

    def gold_snapshot() -> dict[str, pd.DataFrame]:
        tables = ("dim_customer", "dim_product", "dim_account", "bridge_customer_account", "dim_date",
                  "fact_transaction", "fact_inventory", "fact_customer_behavior")
        frames = {t: pd.read_parquet(publication.table_uri(settings, t)) for t in tables}
        return {t: frame.sort_values(list(frame.columns[:2])).reset_index(drop=True) for t, frame in frames.items()}

    before = gold_snapshot()
    run_pipeline(settings, run_id="20250101T000001-e2e002")
    after = gold_snapshot()
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[table], obj=table)
