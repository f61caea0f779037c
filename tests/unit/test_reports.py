"""The ten SQL reports, checked against figures computed here in plain Python from the same rows."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.resources import sql_dir
from jobs.serve.reports import run_reports
from jobs.serve.reports.definitions import load_reports
from jobs.serve.warehouse import build_warehouse
from jobs.trust.lineage.emit import PLATFORM_RUN_TAG, job_run

pytestmark = pytest.mark.unit

FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2025, 3, 31)
CHANNELS = ("online", "mobile", "store", "phone")

CUSTOMERS = [
    # customer_id, name, location, type, valid_from, valid_to, is_current
    ("C1", "Ada Lovelace", "Hamburg, Germany", "Individual", dt.datetime(2024, 1, 1), dt.datetime(2025, 2, 1), False),
    ("C1", "Ada Lovelace", "Berlin, Germany", "Individual", dt.datetime(2025, 2, 1), dt.datetime(9999, 12, 31), True),
    ("C2", "Blue Bakery Ltd", "Paris, France", "Business", dt.datetime(2024, 1, 1), dt.datetime(9999, 12, 31), True),
    ("C3", "Carl Gauss", "Berlin, Germany", "Individual", dt.datetime(2024, 1, 1), dt.datetime(9999, 12, 31), True),
    ("C4", "Delta Builders SA", "Madrid, Spain", "Business", dt.datetime(2024, 1, 1), dt.datetime(9999, 12, 31), True),
    ("C5", "Emmy Noether", "Madrid, Spain", "Individual", dt.datetime(2024, 1, 1), dt.datetime(9999, 12, 31), True),
    ("C6", "Felix Klein", "Paris, France", "Individual", dt.datetime(2024, 1, 1), dt.datetime(9999, 12, 31), True),
]
ACCOUNTS = {"A1": "Checking", "A2": "Savings", "A3": "Credit", "A4": "Business", "A5": "Checking", "A6": "Savings"}
HOLDINGS = [
    ("C1", "A1", "Primary"), ("C3", "A1", "Secondary"),
    ("C2", "A2", "Primary"),
    ("C3", "A3", "Primary"),
    ("C4", "A4", "Primary"),
    ("C5", "A5", "Primary"), ("C2", "A5", "Secondary"),
    ("C6", "A6", "Primary"),
]
PRODUCTS = {
    # product_id: name, category, supplier, cost, list price
    "P1": ("Laptop", "Electronics", "Northwind Supply", Decimal("500.00"), Decimal("800.00")),
    "P2": ("Headphones", "Electronics", "Acme Audio", Decimal("40.00"), Decimal("100.00")),
    "P3": ("Coffee beans", "Grocery", "Bean Co", Decimal("5.00"), Decimal("12.00")),
    "P4": ("Desk lamp", "Home", "Acme Audio", Decimal("15.00"), Decimal("30.00")),
}


def _transactions() -> list[dict]:
    """One sale a day, a business customer who stops in January, and a burst at the very end."""
    rows = []

    def sale(ts: dt.datetime, account: str, product: str, quantity: int, channel: str, discount: bool = False) -> None:
        price = PRODUCTS[product][4]
        amount = price * quantity * (Decimal("0.90") if discount else 1)
        rows.append({
            "transaction_id": f"T{len(rows) + 1:04d}", "date_key": int(ts.strftime("%Y%m%d")), "account_id": account,
            "product_id": product, "amount": amount.quantize(Decimal("0.01")), "quantity": quantity,
            "transaction_ts": ts, "channel": channel,
        })

    for index in range((LAST_DAY - FIRST_DAY).days + 1):
        day = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=index), dt.time(10))
        sale(day + dt.timedelta(hours=index % 7), ("A1", "A2", "A3", "A5")[index % 4], ("P1", "P2", "P3")[index % 3],
             1 + index % 3, CHANNELS[index % 4], discount=index % 5 == 0)
        if index in (0, 5, 10, 15):
            sale(day + dt.timedelta(hours=2, minutes=30), "A4", "P3", 10, "phone")
    last = dt.datetime.combine(LAST_DAY, dt.time(0))
    for clock, account, product, channel in [
        ("23:55", "A2", "P3", "online"),   # the latest transaction
        ("23:45", "A1", "P2", "mobile"),
        ("23:41", "A5", "P3", "online"),
        ("23:40", "A3", "P3", "store"),    # exactly 15 minutes before: outside the 15-minute window
        ("23:10", "A1", "P3", "mobile"),
        ("22:58", "A2", "P1", "store"),
        ("22:30", "A5", "P2", "online"),
        ("01:00", "A3", "P3", "phone"),
    ]:
        hours, minutes = map(int, clock.split(":"))
        sale(last + dt.timedelta(hours=hours, minutes=minutes), account, product, 1, channel)
    return rows


TRANSACTIONS = _transactions()

INVENTORY = [
    # product, warehouse, snapshot date, quantity, reorder point
    ("P1", "North", dt.date(2025, 3, 30), 5, 10), ("P1", "North", LAST_DAY, 0, 10),
    ("P1", "South", dt.date(2025, 3, 30), 40, 10), ("P1", "South", LAST_DAY, 38, 10),
    ("P2", "North", LAST_DAY, 50, 10),
    ("P2", "South", dt.date(2025, 3, 30), 12, 10), ("P2", "South", LAST_DAY, 3, 10),
    ("P3", "North", LAST_DAY, 200, 20),
    ("P3", "South", LAST_DAY, 20, 20),
    ("P4", "North", dt.date(2025, 3, 30), 0, 5),    # not counted since: its latest snapshot is a stock-out
]

QUARANTINE = {
    "transactions": [("unknown_account", "T9001"), ("unknown_account", "T9002"), ("duplicate_transaction_id", "T0001")],
    "customers": [("invalid_email", "C9")],
}

# OpenLineage runs, in the order they finish: platform run id, job, inputs and outputs with
# their row counts, and the error of a failed run.
LINEAGE_RUNS = [
    ("20250401T010000-aaaaaa", "silver.transactions", {"bronze.transactions": 90},
     {"silver.transactions": 80, "quarantine.transactions": 10}, None),
    ("20250401T010000-aaaaaa", "pipeline.gold", {}, {}, "gold quality gate failed: 2 expectations"),
    ("20250402T010000-bbbbbb", "bronze.transactions", {"raw.transactions": 105}, {"bronze.transactions": 105}, None),
    ("20250402T010000-bbbbbb", "silver.transactions", {"bronze.transactions": 105},
     {"silver.transactions": 102, "quarantine.transactions": 3}, None),
    ("20250402T010000-bbbbbb", "silver.customers", {"bronze.customers": 7},
     {"silver.customers": 6, "quarantine.customers": 1}, None),
    ("20250402T010000-bbbbbb", "gold.fact_customer_behavior", {"silver.customers": 6, "silver.transactions": 102},
     {"gold.fact_customer_behavior": 6}, None),
    ("20250402T010000-bbbbbb", "report.01_revenue_trends", {"warehouse.fact_transaction": 102},
     {"report.01_revenue_trends": 12}, None),
    ("20250402T010000-bbbbbb", "ml.train_and_score", {"gold.fact_transaction": 102}, {}, "not enough history"),
]

# Results of the quality gates: run id, checked at, suite, dataset, expectation, column, severity,
# success, unexpected rows, rows checked.
DQ_RESULTS = [
    ("20250401T010000-aaaaaa", dt.datetime(2025, 4, 1, 1, 5), "silver", "silver.transactions",
     "expect_column_values_to_not_be_null", "customer_id", "critical", False, 2, 90),
    ("20250401T010000-aaaaaa", dt.datetime(2025, 4, 1, 1, 5), "silver", "silver.customers",
     "expect_column_values_to_be_unique", "customer_id", "critical", True, 0, 7),
    ("20250402T010000-bbbbbb", dt.datetime(2025, 4, 2, 1, 5), "silver", "silver.transactions",
     "expect_column_values_to_not_be_null", "customer_id", "critical", True, 0, 102),
    ("20250402T010000-bbbbbb", dt.datetime(2025, 4, 2, 1, 5), "silver", "silver.transactions",
     "expect_column_values_to_be_between", "quantity", "critical", True, 0, 102),
    ("20250402T010000-bbbbbb", dt.datetime(2025, 4, 2, 1, 5), "silver", "silver.customers",
     "expect_column_values_to_match_regex", "email", "warning", False, 1, 6),
    ("20250402T010000-bbbbbb", dt.datetime(2025, 4, 2, 1, 6), "gold", "gold.fact_transaction",
     "expect_table_row_count_to_equal", None, "critical", False, None, 101),
    ("20250402T010000-bbbbbb", dt.datetime(2025, 4, 2, 1, 6), "gold", "gold.fact_transaction",
     "expect_column_values_to_be_unique", "transaction_id", "critical", False, 3, 101),
]


def write_lineage_events(settings) -> None:
    """The events of LINEAGE_RUNS, emitted through the platform's OpenLineage emitter."""
    for platform_run, job, inputs, outputs, error in LINEAGE_RUNS:
        with contextlib.suppress(PlatformError), job_run(settings, job, tags={PLATFORM_RUN_TAG: platform_run}) as run:
            for key, rows in inputs.items():
                run.input(key, rows=rows)
            if error:
                raise PlatformError(error)
            for key, rows in outputs.items():
                run.output(key, rows=rows, schema=[])


def ddl_schema(table: str) -> pa.Schema:
    """The Arrow schema of a warehouse table, straight from sql/ddl."""
    connection = duckdb.connect()
    for name in ("star_schema.sql", "operations.sql"):
        connection.execute((sql_dir() / "ddl" / name).read_text())
    return connection.execute(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema


def write_table(folder: Path, table: str, rows: list[dict], parts: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    schema = ddl_schema(table)
    size = -(-len(rows) // parts)
    for part in range(parts):
        chunk = rows[part * size:(part + 1) * size]
        pq.write_table(pa.Table.from_pylist(chunk, schema=schema), folder / f"part-{part:05d}.parquet")


def _behaviour_rows() -> list[dict]:
    accounts_of = defaultdict(set)
    for customer, account, _ in HOLDINGS:
        accounts_of[customer].add(account)
    rows = []
    for customer in sorted(accounts_of):
        mine = [t for t in TRANSACTIONS if t["account_id"] in accounts_of[customer]]
        last_ts = max((t["transaction_ts"] for t in mine), default=None)
        rows.append({
            "customer_id": customer, "as_of_date": LAST_DAY,
            "recency_days": (LAST_DAY - last_ts.date()).days if last_ts else 9999, "frequency": len(mine),
            "monetary": sum((t["amount"] for t in mine), Decimal(0)),
            "distinct_categories": len({PRODUCTS[t["product_id"]][1] for t in mine}), "last_transaction_ts": last_ts,
            "churn_flag": None, "churn_score": None, "segment": None, "cross_sell_candidates": None, "model_version": None,
        })
    return rows


def write_sample_gold(gold: Path, quarantine: Path) -> None:
    """A small gold layer and quarantine in the layout the gold job writes."""
    days = sorted({t["transaction_ts"].date() for t in TRANSACTIONS} | {row[2] for row in INVENTORY})
    write_table(gold / "dim_date", "dim_date", [{
        "date_key": int(day.strftime("%Y%m%d")), "full_date": day, "year": day.year, "quarter": (day.month - 1) // 3 + 1,
        "month": day.month, "month_name": day.strftime("%B"), "week_of_year": day.isocalendar().week,
        "day_of_month": day.day, "day_of_week": day.isoweekday(), "day_name": day.strftime("%A"),
        "is_weekend": day.isoweekday() >= 6,
    } for day in days])
    write_table(gold / "dim_customer", "dim_customer", [{
        "customer_key": key, "customer_id": c[0], "name": c[1], "email": f"{c[0].lower()}@example.com", "location": c[2],
        "customer_type": c[3], "valid_from": c[4], "valid_to": c[5], "is_current": c[6],
    } for key, c in enumerate(CUSTOMERS, start=1)])
    write_table(gold / "dim_product", "dim_product", [{
        "product_id": pid, "product_name": p[0], "category": p[1], "supplier": p[2], "cost_price": p[3], "list_price": p[4],
    } for pid, p in PRODUCTS.items()])
    write_table(gold / "dim_account", "dim_account", [{
        "account_id": aid, "account_type": kind, "balance": Decimal("1000.00") * (index + 1),
        "opened_date": dt.date(2020, 1, 1),
    } for index, (aid, kind) in enumerate(ACCOUNTS.items())])
    write_table(gold / "bridge_customer_account", "bridge_customer_account", [
        {"customer_id": c, "account_id": a, "relationship_type": r} for c, a, r in HOLDINGS])
    write_table(gold / "fact_transaction", "fact_transaction", TRANSACTIONS, parts=3)
    write_table(gold / "fact_inventory", "fact_inventory", [{
        "stock_id": f"S{index}", "date_key": int(day.strftime("%Y%m%d")), "product_id": product, "warehouse": warehouse,
        "snapshot_date": day, "quantity": quantity, "reorder_point": reorder,
    } for index, (product, warehouse, day, quantity, reorder) in enumerate(INVENTORY)])
    write_table(gold / "fact_customer_behavior", "fact_customer_behavior", _behaviour_rows())
    for dataset, rejects in QUARANTINE.items():
        write_table(quarantine / dataset, "quarantine", [{
            "dataset": dataset, "reason": reason, "record": f'{{"id": "{key}"}}', "source_file": f"{dataset}.csv",
            "batch_id": "b1",
        } for reason, key in rejects], parts=len(rejects) // 2 + 1)


# Machine-learning outputs, added in a second step.
ANOMALIES = [("T0003", 0.91, True), ("T0050", 0.77, True), ("T0010", 0.12, False)]
FORECAST_WEEKS = [dt.date(2025, 3, 10), dt.date(2025, 3, 17), dt.date(2025, 3, 24),
                  dt.date(2025, 3, 31),   # only one day of that week has data: not compared
                  dt.date(2025, 4, 7)]    # in the future: not compared
FORECAST = {"Electronics": [(12.0, 10.0), (14.0, 20.0), (9.0, 11.0), (15.0, 15.0), (13.0, 13.0)],
            "Grocery": [(20.0, 30.0), (25.0, 18.0), (16.0, 40.0), (21.0, 21.0), (22.0, 22.0)]}
CROSS_SELL = [("C1", "P3", 1, 0.9), ("C1", "P4", 2, 0.5), ("C2", "P4", 1, 0.8), ("C3", "P4", 1, 0.7),
              ("C3", "P1", 2, 0.4), ("C3", "P2", 3, 0.3), ("C5", "P1", 4, 0.2)]


def write_ml_gold(gold: Path) -> None:
    write_table(gold / "ml_anomaly_scores", "ml_anomaly_scores", [
        {"transaction_id": t, "anomaly_score": s, "is_anomaly": flag, "model_version": "iforest-1"} for t, s, flag in ANOMALIES])
    write_table(gold / "ml_demand_forecast", "ml_demand_forecast", [
        {"category": category, "week_start": week, "forecast_units": forecast, "forecast_lower": forecast - 2,
         "forecast_upper": forecast + 2, "baseline_units": baseline, "model_version": "prophet-1"}
        for category, values in FORECAST.items() for week, (forecast, baseline) in zip(FORECAST_WEEKS, values, strict=True)])
    write_table(gold / "ml_cross_sell", "ml_cross_sell", [
        {"customer_id": c, "product_id": p, "rank": r, "score": s, "model_version": "als-1"} for c, p, r, s in CROSS_SELL])


def _with_sample_warehouse(settings):
    write_sample_gold(Path(settings.layer_uri("gold")), Path(settings.layer_uri("quarantine")))
    write_lineage_events(settings)
    build_warehouse(settings)
    return settings


@pytest.fixture
def settings(local_settings):
    """A warehouse of the sample gold layer, for a test that changes it."""
    return _with_sample_warehouse(local_settings)


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """The sample warehouse and the reports run on it once, for the tests that only read them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(tmp_path_factory.mktemp("platform")))
        settings = load_settings("local")
    _with_sample_warehouse(settings)
    return settings, run_reports(settings)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def outcome(result, number: str):
    return next(report for report in result.reports if report.name.startswith(number + "_"))


# ---------------------------------------------------------------- the SQL files themselves


def test_every_report_file_states_its_question_grain_tables_and_requirements():
    reports = load_reports()
    assert [report.name[:2] for report in reports] == [f"{n:02d}" for n in range(1, 11)]
    known_tables = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", "".join(
        (sql_dir() / "ddl" / name).read_text() for name in ("star_schema.sql", "operations.sql"))))
    for report in reports:
        assert report.question.endswith("?"), report.name
        assert report.grain and report.tables_used and report.requires, report.name
        assert set(report.requires) <= set(report.tables_used) <= known_tables, report.name
        body = "\n".join(line for line in report.sql.splitlines() if not line.startswith("--"))
        # One style: SQL keywords in upper case.
        assert not re.search(r"\b(select|from|where|group by|order by|join|with)\b", body), report.name


# ---------------------------------------------------------------- figures against plain Python


def test_monthly_revenue_and_seven_day_average_match_the_transactions(reported):
    rows = read_csv(outcome(reported[1], "01").csv_path)

    monthly = defaultdict(Decimal)
    daily = defaultdict(Decimal)
    for t in TRANSACTIONS:
        monthly[t["transaction_ts"].strftime("%Y-%m-01")] += t["amount"]
        daily[t["transaction_ts"].date()] += t["amount"]
    reported_months = {row["period_start"]: Decimal(row["revenue"]) for row in rows if row["grain"] == "month"}
    assert reported_months == dict(monthly)

    week_of_last_day = [day for day in daily if day >= LAST_DAY - dt.timedelta(days=6)]
    expected_average = sum(daily[day] for day in week_of_last_day) / 7
    last_day_row = next(row for row in rows if row["grain"] == "day" and row["period_start"] == LAST_DAY.isoformat())
    assert float(last_day_row["revenue_moving_avg"]) == pytest.approx(float(expected_average), abs=0.01)
    first_day_row = next(row for row in rows if row["grain"] == "day" and row["period_start"] == FIRST_DAY.isoformat())
    assert first_day_row["revenue_moving_avg"] == ""   # the window is not full yet
    assert sum(1 for row in rows if row["grain"] == "day") == (LAST_DAY - FIRST_DAY).days + 1


def test_inventory_report_finds_the_stock_outs_of_the_latest_snapshots(reported):
    rows = read_csv(outcome(reported[1], "02").csv_path)

    latest = {}
    for product, warehouse, day, quantity, reorder in sorted(INVENTORY, key=lambda row: row[2]):
        latest[(product, warehouse)] = (quantity, reorder)
    expected_stock_outs = {key for key, (quantity, _) in latest.items() if quantity == 0}
    expected_reorders = {key for key, (quantity, reorder) in latest.items() if 0 < quantity <= reorder}

    assert len(rows) == len(latest)
    assert {(r["product_id"], r["warehouse"]) for r in rows if r["stock_status"] == "stock-out"} == expected_stock_outs
    assert {(r["product_id"], r["warehouse"]) for r in rows if r["stock_status"] == "reorder now"} == expected_reorders

    sold = sum(t["quantity"] for t in TRANSACTIONS
               if t["product_id"] == "P3" and t["transaction_ts"].date() > LAST_DAY - dt.timedelta(days=28))
    on_hand = sum(quantity for (product, _), (quantity, _) in latest.items() if product == "P3")
    p3 = next(r for r in rows if r["product_id"] == "P3")
    assert float(p3["product_days_of_cover"]) == pytest.approx(on_hand / (sold / 28), abs=0.05)


def test_customer_report_counts_churn_and_says_segments_are_not_there_yet(reported):
    rows = read_csv(outcome(reported[1], "03").csv_path)

    accounts_of = defaultdict(set)
    for customer, account, _ in HOLDINGS:
        accounts_of[customer].add(account)
    last_active = {}
    for customer, accounts in accounts_of.items():
        days = [t["transaction_ts"].date() for t in TRANSACTIONS if t["account_id"] in accounts]
        if days:
            last_active[customer] = max(days)
    churned = {c for c, day in last_active.items() if (LAST_DAY - day).days >= 60}
    assert churned == {"C4"}   # the designed data must say what the test means

    assert sum(int(row["churned_customers"]) for row in rows) == len(churned)
    assert sum(int(row["customers_who_bought"]) for row in rows) == len(last_active)
    assert sum(int(row["customers"]) for row in rows) == len({c[0] for c in CUSTOMERS})
    assert {row["segment"] for row in rows} == {"not segmented yet (run the ML jobs)"}

    primary_of = {account: customer for customer, account, role in HOLDINGS if role == "Primary"}
    current = {c[0]: (c[3], c[2]) for c in CUSTOMERS if c[6]}
    revenue = defaultdict(Decimal)
    for t in TRANSACTIONS:
        revenue[current[primary_of[t["account_id"]]]] += t["amount"]
    assert {(row["customer_type"], row["location"]): Decimal(row["revenue"]) for row in rows
            if Decimal(row["revenue"]) > 0} == dict(revenue)


def test_product_report_gives_revenue_and_margin_per_category_and_supplier(reported):
    rows = read_csv(outcome(reported[1], "04").csv_path)

    revenue, margin = defaultdict(Decimal), defaultdict(Decimal)
    for t in TRANSACTIONS:
        _, category, supplier, cost, _ = PRODUCTS[t["product_id"]]
        revenue[(category, supplier)] += t["amount"]
        margin[(category, supplier)] += t["amount"] - cost * t["quantity"]
    reported = {(row["category"], row["supplier"]): row for row in rows}
    assert set(reported) == {(p[1], p[2]) for p in PRODUCTS.values()}
    for key in revenue:
        assert Decimal(reported[key]["revenue"]) == revenue[key]
        assert Decimal(reported[key]["gross_margin"]) == margin[key]
    assert Decimal(reported[("Home", "Acme Audio")]["revenue"]) == 0   # listed, never sold


def test_account_report_separates_joint_and_single_accounts(reported):
    rows = read_csv(outcome(reported[1], "05").csv_path)

    holders = Counter(account for _, account, _ in HOLDINGS)
    joint = {account for account, count in holders.items() if count > 1}
    assert sum(int(row["accounts"]) for row in rows if row["ownership"] == "joint") == len(joint)
    assert sum(int(row["accounts"]) for row in rows if row["ownership"] == "single") == len(ACCOUNTS) - len(joint)
    assert sum(int(row["secondary_holders"]) for row in rows) == sum(1 for h in HOLDINGS if h[2] == "Secondary")
    active = {t["account_id"] for t in TRANSACTIONS}
    savings_single = next(r for r in rows if r["account_type"] == "Savings" and r["ownership"] == "single")
    assert int(savings_single["active_accounts"]) == len({a for a in ("A2", "A6") if a in active})


def test_realtime_report_counts_the_windows_before_the_latest_transaction(reported):
    rows = read_csv(outcome(reported[1], "06").csv_path)

    latest = max(t["transaction_ts"] for t in TRANSACTIONS)
    for window, length in (("last 15 minutes", dt.timedelta(minutes=15)), ("last 1 hour", dt.timedelta(hours=1)),
                           ("last 24 hours", dt.timedelta(hours=24))):
        inside = [t for t in TRANSACTIONS if latest - length < t["transaction_ts"] <= latest]
        by_channel = {row["channel"]: row for row in rows if row["time_window"] == window}
        assert int(by_channel["all channels"]["transactions"]) == len(inside), window
        for channel in CHANNELS:
            assert int(by_channel[channel]["transactions"]) == sum(t["channel"] == channel for t in inside), window
        assert Decimal(by_channel["all channels"]["revenue"]) == sum(t["amount"] for t in inside)
    assert int(next(r for r in rows if r["time_window"] == "last 15 minutes" and r["channel"] == "all channels")
               ["transactions"]) == 3


def _quality_expectations(results: list[tuple]) -> dict[str, tuple[str, int, int]]:
    """Per dataset of the latest run of each suite: (status, passed, failed)."""
    latest = {}
    for run_id, checked_at, suite, *_ in results:
        if suite not in latest or checked_at > latest[suite][1]:
            latest[suite] = (run_id, checked_at)
    by_dataset = defaultdict(list)
    for run_id, _, suite, dataset, _, _, severity, success, _, _ in results:
        if run_id == latest[suite][0]:
            by_dataset[dataset].append((severity, success))
    expected = {}
    for dataset, checks in by_dataset.items():
        failed = [severity for severity, success in checks if not success]
        status = "failed" if "critical" in failed else "warnings" if failed else "passed"
        expected[dataset] = (status, len(checks) - len(failed), len(failed))
    return expected


def test_data_quality_report_shows_latest_gates_quarantine_and_latest_lineage(reported):
    rows = read_csv(outcome(reported[1], "10").csv_path)

    expected = Counter((dataset, reason) for dataset, rejects in QUARANTINE.items() for reason, _ in rejects)
    reported_rejects = {(r["subject"], r["detail"]): int(r["rows_rejected"]) for r in rows if r["section"] == "quarantine"}
    assert reported_rejects == dict(expected)

    latest = {job: (run, inputs, outputs, error) for run, job, inputs, outputs, error in LINEAGE_RUNS}
    medallion = {job: value for job, value in latest.items()
                 if job.split(".")[0] in ("bronze", "silver", "gold") and value[3] is None}
    lineage = {r["subject"]: r for r in rows if r["section"] == "lineage"}
    assert set(lineage) == set(medallion)
    for job, (run, inputs, outputs, _) in medallion.items():
        row = lineage[job]
        assert row["detail"] == ", ".join(sorted(inputs)) + " -> " + ", ".join(sorted(outputs))
        assert int(row["rows_in"]) == sum(inputs.values())
        assert int(row["rows_out"]) == sum(n for key, n in outputs.items() if not key.startswith("quarantine."))
        rejected = [n for key, n in outputs.items() if key.startswith("quarantine.")]
        assert row["rows_rejected"] == (str(sum(rejected)) if rejected else "")
        assert row["run_id"] == run

    failed = {r["subject"]: r["detail"] for r in rows if r["section"] == "failed jobs"}
    assert failed == {job: error for job, (_, _, _, error) in latest.items() if error}

    quality = [r for r in rows if r["section"] == "data quality"]
    assert len(quality) == 1 and quality[0]["detail"].startswith("not run yet")
    assert quality[0]["checks_passed"] == ""


def test_data_quality_report_takes_each_gate_from_its_latest_run(settings):
    folder = Path(settings.layer_uri("gold")) / "dq_results"
    columns = ("run_id", "checked_at", "suite", "dataset", "expectation", "column_name", "severity", "success",
               "unexpected_count", "element_count")
    write_table(folder, "dq_results", [dict(zip(columns, row, strict=True)) | {"observed": None} for row in DQ_RESULTS])
    build_warehouse(settings)
    rows = read_csv(outcome(run_reports(settings), "10").csv_path)

    quality = {r["subject"]: r for r in rows if r["section"] == "data quality"}
    expected = _quality_expectations(DQ_RESULTS)
    assert {dataset: (r["status"], int(r["checks_passed"]), int(r["checks_failed"])) for dataset, r in quality.items()} \
        == expected
    # A failed critical expectation is named with its column and the rows that broke it.
    failing = quality["gold.fact_transaction"]["detail"]
    assert "expect_column_values_to_be_unique(transaction_id) 3 rows" in failing
    assert "expect_table_row_count_to_equal" in failing


# ---------------------------------------------------------------- ML-dependent reports


def test_ml_reports_say_not_produced_until_their_tables_have_rows_then_show_real_numbers(settings):
    before = run_reports(settings)
    for number, table in (("07", "ml_anomaly_scores"), ("08", "ml_demand_forecast"), ("09", "ml_cross_sell")):
        report = outcome(before, number)
        assert not report.produced and report.rows == 0
        assert report.status == f"not produced yet: {table} is empty (run the ML jobs)"
        assert read_csv(report.csv_path) == [{"status": report.status}]

    write_ml_gold(Path(settings.layer_uri("gold")))
    build_warehouse(settings)
    after = run_reports(settings)

    anomalies = read_csv(outcome(after, "07").csv_path)
    assert [row["transaction_id"] for row in anomalies] == [t for t, _, flagged in ANOMALIES if flagged]
    assert outcome(after, "07").status == "2 rows"

    forecast = {row["category"]: row for row in read_csv(outcome(after, "08").csv_path)}
    assert set(forecast) == {"Electronics", "Grocery", "all categories"}
    for category, values in FORECAST.items():
        model_errors, baseline_errors = [], []
        for week, (predicted, baseline) in zip(FORECAST_WEEKS, values, strict=True):
            if week < FIRST_DAY or week + dt.timedelta(days=6) > LAST_DAY:
                continue
            actual = sum(t["quantity"] for t in TRANSACTIONS if PRODUCTS[t["product_id"]][1] == category
                         and week <= t["transaction_ts"].date() < week + dt.timedelta(days=7))
            model_errors.append(abs(predicted - actual) / actual)
            baseline_errors.append(abs(baseline - actual) / actual)
        assert int(forecast[category]["weeks_compared"]) == 3
        assert float(forecast[category]["model_mape_pct"]) == pytest.approx(100 * sum(model_errors) / 3, abs=0.01)
        assert float(forecast[category]["baseline_mape_pct"]) == pytest.approx(100 * sum(baseline_errors) / 3, abs=0.01)
        winner = "model" if sum(model_errors) < sum(baseline_errors) else "baseline"
        assert forecast[category]["more_accurate_by_mape"] == winner

    recommendations = read_csv(outcome(after, "09").csv_path)
    top = [(c, p) for c, p, rank, _ in CROSS_SELL if rank <= 3]
    assert [(row["customer_id"], row["product_id"]) for row in recommendations] == top
    assert [row["product_name"] for row in recommendations] == [PRODUCTS[p][0] for _, p in top]


# ---------------------------------------------------------------- the HTML report and errors


def test_html_report_is_self_contained_with_ten_sections(reported):
    settings, result = reported
    html = result.html_path.read_text()

    assert result.html_path == settings.reports_dir / "report.html"
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html
    sections = re.findall(r'<section id="(\d{2}_\w+)"', html)
    assert sections == [report.name for report in result.reports]
    assert len(sections) == 10
    assert html.count('src="data:image/png;base64,') == sum(1 for r in result.reports if r.produced)
    for report in load_reports():
        assert report.question.replace("'", "&#39;") in html
    assert "not produced yet: ml_cross_sell is empty (run the ML jobs)" in html
    assert all(report.csv_path.parent == settings.reports_dir and report.csv_path.is_file() for report in result.reports)


def test_missing_warehouse_is_one_line_error(local_settings):
    with pytest.raises(PlatformError) as error:
        run_reports(local_settings)
    message = str(error.value)
    assert "\n" not in message
    assert message == f"warehouse not found at {local_settings.warehouse_path}: run `rtdp warehouse` first"


def test_two_years_of_months_get_at_most_twelve_readable_labels():
    from jobs.serve.reports.charts import revenue_trends

    months = pd.date_range("2024-12-01", "2026-12-01", freq="MS")  # 25 months
    data = pd.DataFrame({"grain": "month", "period_start": months, "revenue": 100.0, "revenue_moving_avg": 100.0})
    days = pd.DataFrame({"grain": "day", "period_start": months, "revenue": 5.0, "revenue_moving_avg": 5.0})
    figure = revenue_trends(pd.concat([data, days]))
    labels = [label.get_text() for label in figure.axes[1].get_xticklabels()]
    assert 6 <= len(labels) <= 12
    assert labels[0] == "2024-12" and set(labels) <= {f"{month:%Y-%m}" for month in months}
    assert len(figure.axes[1].patches) == 25  # every month still has its bar
