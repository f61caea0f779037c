"""Building the DuckDB warehouse from gold Parquet folders, locally and from an S3 emulator."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs import storage
from jobs.errors import PlatformError
from jobs.resources import sql_dir
from jobs.serve import publication, warehouse
from jobs.serve.warehouse import attach_object_store, build_warehouse, connect, loaded_batch
from jobs.stream.compaction import rows_after

pytestmark = pytest.mark.unit

DDL_FILES = ("star_schema.sql", "operations.sql")
STAR_TABLES = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", (sql_dir() / "ddl" / "star_schema.sql").read_text())
OPTIONAL_TABLES = ("dq_results", "ml_anomaly_scores", "ml_demand_forecast", "ml_cross_sell")

SALE_TS = dt.datetime(2025, 3, 31, 23, 55, 7)
GOLD_ROWS = {
    "dim_date": [{"date_key": 20250331, "full_date": dt.date(2025, 3, 31), "year": 2025, "quarter": 1, "month": 3,
                  "month_name": "March", "week_of_year": 14, "day_of_month": 31, "day_of_week": 1, "day_name": "Monday",
                  "is_weekend": False}],
    "dim_customer": [
        {"customer_key": 1, "customer_id": "C1", "name": "Ada", "email": "ada@example.com", "location": "Hamburg, Germany",
         "customer_type": "Individual", "valid_from": dt.datetime(2024, 1, 1), "valid_to": dt.datetime(2025, 2, 1),
         "is_current": False},
        {"customer_key": 2, "customer_id": "C1", "name": "Ada", "email": "ada@example.com", "location": "Berlin, Germany",
         "customer_type": "Individual", "valid_from": dt.datetime(2025, 2, 1), "valid_to": dt.datetime(9999, 12, 31),
         "is_current": True},
    ],
    "dim_product": [{"product_id": "P1", "product_name": "Laptop", "category": "Electronics", "supplier": "Northwind",
                     "cost_price": Decimal("500.00"), "list_price": Decimal("800.00")}],
    "dim_account": [{"account_id": "A1", "account_type": "Checking", "balance": Decimal("1234.56"),
                     "opened_date": dt.date(2020, 5, 1)}],
    "bridge_customer_account": [{"customer_id": "C1", "account_id": "A1", "relationship_type": "Primary"}],
    "fact_transaction": [
        {"transaction_id": f"T{n}", "date_key": 20250331, "account_id": "A1", "product_id": "P1",
         "amount": Decimal("799.99"), "quantity": 1, "transaction_ts": SALE_TS - dt.timedelta(minutes=n), "channel": "online"}
        for n in range(5)
    ],
    "fact_inventory": [{"stock_id": "S1", "date_key": 20250331, "product_id": "P1", "warehouse": "North",
                        "snapshot_date": dt.date(2025, 3, 31), "quantity": 4, "reorder_point": 10}],
    "fact_customer_behavior": [{"customer_id": "C1", "as_of_date": dt.date(2025, 3, 31), "recency_days": 0, "frequency": 5,
                                "monetary": Decimal("3999.95"), "distinct_categories": 1, "last_transaction_ts": SALE_TS,
                                "churn_flag": None, "churn_score": None, "segment": None, "cross_sell_candidates": None,
                                "model_version": None}],
}
QUARANTINE_ROWS = {
    "transactions": [{"dataset": "transactions", "reason": reason, "record": "{}", "source_file": "transactions.csv",
                      "batch_id": "b1"} for reason in ("unknown_account", "unknown_account", "bad_amount")],
    "customers": [{"dataset": "customers", "reason": "invalid_email", "record": "{}", "source_file": "customers.csv",
                   "batch_id": "b1"}],
}


def ddl_schema(table: str) -> pa.Schema:
    """The Arrow schema of a warehouse table, straight from sql/ddl."""
    connection = duckdb.connect()
    for name in DDL_FILES:
        connection.execute((sql_dir() / "ddl" / name).read_text())
    return connection.execute(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def write_gold(settings, skip: tuple[str, ...] = (), rows_of: dict | None = None, gold: str | None = None) -> None:
    """The gold and quarantine layers as the Spark jobs write them: a folder of part files per table."""
    gold, quarantine = gold or settings.layer_uri("gold"), settings.layer_uri("quarantine")
    for table, rows in (rows_of or GOLD_ROWS).items():
        if table in skip:
            continue
        data = pa.Table.from_pylist(rows, schema=ddl_schema(table))
        # Two part files and the marker files Spark leaves beside them.
        half = len(rows) // 2
        storage.write_bytes(settings, storage.join(gold, table, "part-00000.parquet"), parquet_bytes(data.slice(0, half)))
        storage.write_bytes(settings, storage.join(gold, table, "part-00001.parquet"), parquet_bytes(data.slice(half)))
        storage.write_bytes(settings, storage.join(gold, table, "_SUCCESS"), b"")
    for dataset, rows in QUARANTINE_ROWS.items():
        data = pa.Table.from_pylist(rows, schema=ddl_schema("quarantine"))
        storage.write_bytes(settings, storage.join(quarantine, dataset, "part-00000.parquet"), parquet_bytes(data))


def publish_gold(settings, run_id: str, rows_of: dict | None = None) -> None:
    """The star schema as the gold job publishes it: a folder of its own, then the pointer."""
    folder = publication.new_folder(settings, run_id)
    write_gold(settings, rows_of=rows_of, gold=folder)
    publication.publish(settings, run_id, folder, STAR_TABLES)


def stream_batch(settings, batch: int, rows: list[dict]) -> None:
    """One micro-batch of the streaming job's transactions, as it writes gold."""
    folder = storage.join(settings.layer_uri("gold"), "fact_transaction_stream", f"batch_id={batch}")
    storage.write_bytes(settings, storage.join(folder, "part-0.parquet"),
                        parquet_bytes(pa.Table.from_pylist(rows, schema=ddl_schema("fact_transaction"))))


def streamed(transaction_id: str, amount: str, day: int = 31) -> dict:
    return dict(GOLD_ROWS["fact_transaction"][0], transaction_id=transaction_id, amount=Decimal(amount),
                date_key=20250300 + day, transaction_ts=dt.datetime(2025, 3, day, 12))


def warehouse_rows(settings, sql: str) -> list[tuple]:
    with connect(settings.warehouse_path, read_only=True) as warehouse:
        return sorted(warehouse.sql(sql).fetchall())


def expected_counts() -> dict[str, int]:
    counts = {table: len(GOLD_ROWS[table]) for table in STAR_TABLES}
    counts["quarantine"] = sum(len(rows) for rows in QUARANTINE_ROWS.values())
    counts.update({table: 0 for table in OPTIONAL_TABLES})
    # The lineage events so far: only the START of this build, which names no dataset yet.
    counts["lineage_events"] = 1
    return counts


def test_builds_every_ddl_table_from_gold_and_leaves_absent_optional_tables_empty(local_settings):
    write_gold(local_settings)

    counts = build_warehouse(local_settings)

    assert counts == expected_counts()
    warehouse = local_settings.warehouse_path
    # No temporary file left; the lineage events file, the build's record and its lock live beside the warehouse.
    assert sorted(path.name for path in warehouse.parent.iterdir()) == sorted(
        [warehouse.name, local_settings.lineage_events_path.name, "platform.loads.json", "platform.lock"])
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        amount, ts = connection.execute("SELECT amount, transaction_ts FROM fact_transaction WHERE transaction_id = 'T0'").fetchone()
        reasons = dict(connection.execute("SELECT reason, COUNT(*) FROM quarantine GROUP BY reason").fetchall())
        comment = connection.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'fact_transaction'").fetchone()[0]
    assert (amount, ts) == (Decimal("799.99"), SALE_TS)
    assert reasons == {"unknown_account": 2, "bad_amount": 1, "invalid_email": 1}
    assert comment.startswith("Sales transactions")


def test_stream_micro_batches_extend_fact_transaction_without_double_counting(local_settings):
    write_gold(local_settings)
    batch_rows = GOLD_ROWS["fact_transaction"]
    streamed = [dict(batch_rows[0], amount=Decimal("1.00")),  # already loaded by the batch pipeline
                dict(batch_rows[0], transaction_id="S1", amount=Decimal("10.00")),
                dict(batch_rows[0], transaction_id="S2", amount=Decimal("20.00"), date_key=20251227,
                     transaction_ts=dt.datetime(2025, 12, 27, 9, 30))]
    stream_folder = storage.join(local_settings.layer_uri("gold"), "fact_transaction_stream")
    schema = ddl_schema("fact_transaction")
    for batch, rows in enumerate((streamed[:2], streamed[2:])):
        storage.write_bytes(local_settings, storage.join(stream_folder, f"batch_id={batch}", "part-0.parquet"),
                            parquet_bytes(pa.Table.from_pylist(rows, schema=schema)))

    counts = build_warehouse(local_settings)

    expected_ids = {row["transaction_id"] for row in batch_rows} | {"S1", "S2"}
    expected_revenue = sum(row["amount"] for row in batch_rows) + Decimal("30.00")
    assert counts["fact_transaction"] == len(expected_ids)
    with connect(local_settings.warehouse_path, read_only=True) as warehouse:
        assert warehouse.sql("SELECT sum(amount) FROM fact_transaction").fetchone()[0] == expected_revenue
        # 2025-12-27 is a Saturday in week 52, only reached by the stream.
        assert warehouse.sql("SELECT full_date, quarter, month_name, week_of_year, day_of_week, day_name, is_weekend "
                             "FROM dim_date WHERE date_key = 20251227").fetchall() == [
            (dt.date(2025, 12, 27), 4, "December", 52, 6, "Saturday", True)]


# Gold written in place is read anew by every build; a publication lets a build refresh a copy.
@pytest.mark.parametrize("lay_out", [write_gold, lambda settings: publish_gold(settings, "gold-1")],
                         ids=["in-place", "published"])
def test_rebuilding_replaces_the_warehouse_instead_of_appending(local_settings, lay_out):
    lay_out(local_settings)
    build_warehouse(local_settings)
    extra = pa.Table.from_pylist([{"transaction_id": "T0", "anomaly_score": 0.9, "is_anomaly": True, "model_version": "m1"}],
                                 schema=ddl_schema("ml_anomaly_scores"))
    storage.write_bytes(local_settings, storage.join(local_settings.layer_uri("gold"), "ml_anomaly_scores", "part-0.parquet"),
                        parquet_bytes(extra))

    counts = build_warehouse(local_settings)

    # The events of the first build are now loaded too: more than the START of this one.
    assert counts.pop("lineage_events") > 1
    expected = {**expected_counts(), "ml_anomaly_scores": 1}
    expected.pop("lineage_events")
    assert counts == expected


FACTS = "SELECT transaction_id, amount, date_key FROM fact_transaction"
CALENDAR = "SELECT date_key, full_date FROM dim_date"


def test_a_refresh_adds_only_the_stream_batches_since_the_last_build_and_equals_a_rebuild(local_settings, monkeypatch):
    publish_gold(local_settings, "gold-1")
    stream_batch(local_settings, 0, [streamed("S1", "10.00"), streamed("S2", "20.00")])
    stream_batch(local_settings, 1, [streamed("S3", "30.00")])
    build_warehouse(local_settings)
    # Batch 2: a new day, and T0 replayed (the copy the batch pipeline loaded wins).
    stream_batch(local_settings, 2, [streamed("S4", "40.00", day=30), streamed("T0", "1.00")])
    asked = []
    monkeypatch.setattr(warehouse, "rows_after", lambda *args: asked.append(args[2]) or rows_after(*args))

    refreshed = build_warehouse(local_settings)

    assert asked == [1]  # the stream's rows read from batch 2 on
    assert loaded_batch(local_settings, "fact_transaction") == 2  # what the dashboard reads after
    transactions = [(row["transaction_id"], row["amount"], row["date_key"]) for row in GOLD_ROWS["fact_transaction"]]
    expected = sorted([*transactions, ("S1", Decimal("10.00"), 20250331), ("S2", Decimal("20.00"), 20250331),
                       ("S3", Decimal("30.00"), 20250331), ("S4", Decimal("40.00"), 20250330)])
    assert warehouse_rows(local_settings, FACTS) == expected
    assert warehouse_rows(local_settings, CALENDAR) == [(20250330, dt.date(2025, 3, 30)), (20250331, dt.date(2025, 3, 31))]
    calendar = warehouse_rows(local_settings, CALENDAR)
    rebuilt = build_warehouse(local_settings, full=True)
    assert rebuilt.pop("lineage_events") > refreshed.pop("lineage_events")  # the refresh's own events too
    assert rebuilt == refreshed
    assert asked == [1, None]  # from nothing, every batch
    assert (warehouse_rows(local_settings, FACTS), warehouse_rows(local_settings, CALENDAR)) == (expected, calendar)


def test_a_new_publication_rebuilds_the_star_schema_from_nothing(local_settings):
    publish_gold(local_settings, "gold-1")
    stream_batch(local_settings, 0, [streamed("S1", "10.00")])
    build_warehouse(local_settings)
    renamed = {**GOLD_ROWS, "dim_product": [dict(GOLD_ROWS["dim_product"][0], product_name="Laptop Pro")]}
    publish_gold(local_settings, "gold-2", rows_of=renamed)

    build_warehouse(local_settings)

    assert warehouse_rows(local_settings, "SELECT product_name FROM dim_product") == [("Laptop Pro",)]
    assert ("S1",) in warehouse_rows(local_settings, "SELECT transaction_id FROM fact_transaction")


def test_a_stream_started_again_from_its_first_batch_rebuilds_from_nothing(local_settings):
    publish_gold(local_settings, "gold-1")
    for batch in range(3):
        stream_batch(local_settings, batch, [streamed(f"S{batch}", "10.00")])
    build_warehouse(local_settings)
    storage.delete_dir(local_settings, storage.join(local_settings.layer_uri("gold"), "fact_transaction_stream"))
    stream_batch(local_settings, 0, [streamed("R0", "10.00")])

    build_warehouse(local_settings)

    streamed_ids = [row for row in warehouse_rows(local_settings, "SELECT transaction_id FROM fact_transaction")
                    if not row[0].startswith("T")]
    assert streamed_ids == [("R0",)]


def test_timestamps_written_as_utc_instants_land_unchanged(local_settings):
    # Spark writes TIMESTAMP columns as instants adjusted to UTC; they must not shift by the local zone.
    write_gold(local_settings, skip=("fact_transaction",))
    rows = GOLD_ROWS["fact_transaction"]
    schema = ddl_schema("fact_transaction")
    schema = schema.set(schema.get_field_index("transaction_ts"), pa.field("transaction_ts", pa.timestamp("us", tz="UTC")))
    data = pa.Table.from_pylist([{**row, "transaction_ts": row["transaction_ts"].replace(tzinfo=dt.UTC)}
                                 for row in rows], schema=schema)
    folder = Path(local_settings.layer_uri("gold")) / "fact_transaction"
    folder.mkdir(parents=True)
    pq.write_table(data, folder / "part-00000.parquet")

    build_warehouse(local_settings)

    with duckdb.connect(str(local_settings.warehouse_path), read_only=True) as connection:
        latest = connection.execute("SELECT MAX(transaction_ts) FROM fact_transaction").fetchone()[0]
    assert latest == SALE_TS
    # This machine may itself run in UTC: the sessions must be in UTC whatever the machine's zone.
    assert connect(":memory:").execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"


def test_missing_required_gold_table_is_one_line_and_keeps_the_previous_warehouse(local_settings):
    write_gold(local_settings)
    build_warehouse(local_settings)
    storage.delete_dir(local_settings, storage.join(local_settings.layer_uri("gold"), "fact_transaction"))

    with pytest.raises(PlatformError) as error:
        build_warehouse(local_settings)

    folder = storage.join(local_settings.layer_uri("gold"), "fact_transaction")
    assert str(error.value) == f"gold table fact_transaction not found at {folder}: run `rtdp gold` first"
    warehouse = local_settings.warehouse_path
    assert sorted(path.name for path in warehouse.parent.iterdir()) == sorted(
        [warehouse.name, local_settings.lineage_events_path.name, "platform.loads.json", "platform.lock"])
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("SELECT COUNT(*) FROM fact_transaction").fetchone()[0] == len(GOLD_ROWS["fact_transaction"])


def test_gold_table_without_a_ddl_column_is_one_line_error(local_settings):
    write_gold(local_settings, skip=("dim_product",))
    folder = Path(local_settings.layer_uri("gold")) / "dim_product"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"product_id": ["P1"], "product_name": ["Laptop"]}), folder / "part-00000.parquet")

    with pytest.raises(PlatformError) as error:
        build_warehouse(local_settings)

    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"cannot load {folder} into warehouse table dim_product: ")
    assert not local_settings.warehouse_path.exists()


def _declared_columns(connection, table: str) -> list[tuple]:
    return connection.execute("SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
                              "WHERE database_name = current_database() AND table_name = ? ORDER BY column_index",
                              [table]).fetchall()


def _keys(connection) -> dict[str, list[str]]:
    return dict(connection.execute("SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                                   "WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'").fetchall())


def test_the_fact_the_stream_extends_is_the_ddls_table_but_for_the_index_of_its_key(local_settings):
    write_gold(local_settings)
    build_warehouse(local_settings)

    ddl = duckdb.connect()
    for name in DDL_FILES:
        ddl.execute((sql_dir() / "ddl" / name).read_text())
    with connect(local_settings.warehouse_path, read_only=True) as built:
        for table in STAR_TABLES:
            assert _declared_columns(built, table) == _declared_columns(ddl, table), table
        assert built.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'fact_transaction'").fetchone() == \
            ddl.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'fact_transaction'").fetchone()
        declared, kept = _keys(ddl), _keys(built)
    assert declared.pop("fact_transaction") == ["transaction_id"]
    assert kept == declared  # every other key keeps its index


def test_gold_that_repeats_a_transaction_id_is_one_line_and_keeps_the_previous_warehouse(local_settings):
    write_gold(local_settings)
    build_warehouse(local_settings)
    repeated = [*GOLD_ROWS["fact_transaction"], dict(GOLD_ROWS["fact_transaction"][3], amount=Decimal("5.00"))]
    write_gold(local_settings, rows_of={**GOLD_ROWS, "fact_transaction": repeated})

    with pytest.raises(PlatformError) as error:
        build_warehouse(local_settings)

    assert str(error.value) == ("gold table fact_transaction holds transaction_id 'T3' more than once: "
                                "its key must be unique (rerun `rtdp gold`)")
    assert warehouse_rows(local_settings, "SELECT count(*), sum(amount) FROM fact_transaction") == [
        (len(GOLD_ROWS["fact_transaction"]), sum(row["amount"] for row in GOLD_ROWS["fact_transaction"]))]


def test_a_streamed_fact_with_a_check_constraint_is_refused_rather_than_loosened():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE facts (id VARCHAR PRIMARY KEY, quantity INTEGER CHECK (quantity > 0))")

    with pytest.raises(PlatformError, match="^warehouse table facts declares CHECK, NOT NULL, PRIMARY KEY constraints;"):
        warehouse._without_key_index(connection, "facts")


def _s3_settings(local_settings, endpoint: str, bucket: str):
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    settings = local_settings.model_copy(deep=True)
    settings.aws.endpoint_url = endpoint
    settings.storage.gold_uri = f"s3://{bucket}/gold"
    settings.storage.quarantine_uri = f"s3://{bucket}/quarantine"
    return settings


def test_attach_object_store_reads_parquet_from_an_s3_endpoint(local_settings, s3_endpoint):
    settings = _s3_settings(local_settings, s3_endpoint, "lake")
    expected = pa.table({"product_id": ["P1", "P2", "P3"], "units": [3, 5, 7]})
    storage.write_bytes(settings, "s3://lake/sample/part-00000.parquet", parquet_bytes(expected))

    connection = connect(":memory:")
    attach_object_store(connection, settings)
    rows = connection.execute("SELECT product_id, units FROM read_parquet('s3://lake/sample/*.parquet') ORDER BY 1").fetchall()

    assert rows == list(zip(expected["product_id"].to_pylist(), expected["units"].to_pylist(), strict=True))


def test_builds_the_warehouse_from_gold_in_an_s3_bucket(local_settings, s3_endpoint):
    settings = _s3_settings(local_settings, s3_endpoint, "platform")
    write_gold(settings)

    assert build_warehouse(settings) == expected_counts()


def test_missing_credentials_for_s3_gold_are_one_line_error(local_settings, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    settings = local_settings.model_copy(deep=True)
    settings.storage.gold_uri = "s3://platform/gold"

    with pytest.raises(PlatformError, match="^AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set"):
        build_warehouse(settings)
