"""The whole medallion pipeline on a tiny raw set in a temporary folder.

The raw files are written here line by line, each with the outcome it must have (kept, or
the quarantine reason); every expected count is derived from those hand-written tags.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.ingest.bronze import run_bronze
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.pipeline import run_pipeline
from jobs.serve import publication
from jobs.trust.lineage.emit import PLATFORM_RUN_TAG
from jobs.trust.lineage.event_log import read_events
from jobs.trust.lineage.graph import LineageGraph
from jobs.trust.lineage.naming import openlineage_dataset

pytestmark = pytest.mark.spark

KEEP = None
# Per raw dataset: header, then (line, expected outcome). The accounts extract has a column
# outside the contract. Written as one full extract (FULL_EXTRACT).
RAW = {
    "customers": ("customer_id,name,email,location,customer_type,updated_at", [
        ('C001,Ann Lee, Ann.Lee@Example.com ,"Paris, France",Individual,2024-01-01T00:00:00', KEEP),
        ('C001,Ann Lee,ann.lee@example.com,"Lyon, France",Individual,2024-06-01T00:00:00', KEEP),
        ('C001,Ann Lee,ann.lee@example.com,"Nice, France",Individual,2024-09-01T00:00:00', KEEP),
        ('C002,Bob Stone,bob@example.com,"Berlin, Germany",Business,2024-02-01T00:00:00', KEEP),
        ('C003,Cy Ray,not-an-email,"Rome, Italy",Individual,2024-03-01T00:00:00', "invalid_email"),
        ('C002,Bob Stone,bob@example.com,"Berlin, Germany",Business,2024-02-01T00:00:00', "duplicate_row"),
        ('C004,"Di ""Dot"" Fox",di@example.com,"Oslo, Norway",Individual,2024-04-01T00:00:00', KEEP),
    ]),
    "products": ("product_id,product_name,category,supplier,cost_price,list_price", [
        ("P01,Laptop,Electronics,Acme,500.00,800.00", KEEP),
        ("P02,Novel,Books,Paper Co,5.00,12.50", KEEP),
        ("P03,Broken toy,Toys,Acme,-1.00,3.00", "negative_price"),
    ]),
    "accounts": ("account_id,account_type,balance,opened_date,branch", [
        ("A01,Checking,100.50,2023-05-01,North", KEEP),
        ("A02,Savings,2000.00,2023-06-01,South", KEEP),
        ("A03,Credit,-50.00,2023-07-01,East", "missing_primary_holder"),
        ("A04,Checking,10.00,2023-13-01,West", "invalid_date"),
    ]),
    "customer_accounts": ("customer_id,account_id,relationship_type", [
        ("C001,A01,Primary", KEEP),
        ("C002,A01,Secondary", KEEP),
        ("C002,A02,Primary", KEEP),
        ("C004,A03,Secondary", "unknown_account"),
        ("C003,A02,Secondary", "unknown_customer"),
        ("C004,A02,Owner", "invalid_relationship_type"),
    ]),
    "transactions": ("transaction_id,account_id,product_id,amount,quantity,transaction_ts,channel", [
        ("T01,A01,P01,800.00,1,2025-01-30T10:00:00,online", KEEP),
        ("T02,A01,P02,25.00,2,2025-02-01T09:30:00,Store", KEEP),
        ("T03,A02,P02,12.50,1,2025-02-03T18:00:00,mobile", KEEP),
        ("T04,A02,P01", "malformed_row"),
        ("T05,A01,P02,12.50,1,2025-02-02T08:00:00,phone,extra", "malformed_row"),
        ("T06,A03,P01,10.00,1,2025-02-02T08:00:00,online", "unknown_account"),
        ("T07,A01,P03,3.00,1,2025-02-02T08:00:00,online", "unknown_product"),
        ("T01,A01,P01,800.00,1,2025-01-30T10:00:00,online", "duplicate_row"),
        ("T03,A02,P02,99.00,1,2025-02-03T18:00:00,mobile", "duplicate_transaction_id"),
        ("T08,A02,P01,-5.00,1,2025-02-03T18:00:00,online", "negative_amount"),
    ]),
    "inventory": ("stock_id,product_id,warehouse,snapshot_date,quantity,reorder_point", [
        ("S01,P01,Lyon,2025-01-28,10,5", KEEP),
        ("S02,P02,Lyon,2025-01-28,0,3", KEEP),
        ("S03,P01,Lyon,2025-02-04,-1,5", "negative_quantity"),
    ]),
}
GOLD_TABLES = (
    "dim_date", "dim_customer", "dim_product", "dim_account", "bridge_customer_account",
    "fact_transaction", "fact_inventory", "fact_customer_behavior",
)


FULL_EXTRACT = "2025-02-04"


def extract_path(raw_dir: Path, dataset: str, day: str = FULL_EXTRACT) -> Path:
    return raw_dir / dataset / f"{dataset}_{day}.csv"


def write_raw_files(raw_dir: Path, raw=RAW, day: str = FULL_EXTRACT) -> None:
    """One extract per dataset of `raw`, delivered on `day`."""
    for dataset, (header, lines) in raw.items():
        path = extract_path(raw_dir, dataset, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([header, *[line for line, _ in lines]]) + "\n")


def read_parquet(folder: Path) -> list[dict]:
    return pq.read_table(folder).to_pylist()


def published(settings, table: str) -> Path:
    """The folder of a gold table as readers find it (the current publication)."""
    return Path(publication.table_uri(settings, table))


def gold_snapshot(settings) -> dict[str, list[tuple]]:
    return {table: sorted(tuple(row.values()) for row in read_parquet(published(settings, table))) for table in GOLD_TABLES}


def ddl_columns(ddl_file: Path) -> dict[str, list[tuple[str, str]]]:
    """CREATE TABLE blocks of a DDL file as {table: [(column, TYPE)]}, parsed independently of the job."""
    tables = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", ddl_file.read_text(), re.DOTALL):
        columns = re.findall(r"^\s+(\w+)\s+(DECIMAL\(\d+, \d+\)|[A-Z]+)", body, re.MULTILINE)
        tables[name] = [(column, sql_type) for column, sql_type in columns if column != "PRIMARY"]
    return tables


# How pyarrow shows the Parquet type Spark should write for each DDL type.
ARROW_TYPE = {
    "VARCHAR": "string", "INTEGER": "int32", "BIGINT": "int64", "DOUBLE": "double", "BOOLEAN": "bool",
    "DATE": "date32[day]", "TIMESTAMP": "timestamp[us]",
}


def arrow_type(sql_type: str) -> str:
    decimal = re.fullmatch(r"DECIMAL\((\d+), (\d+)\)", sql_type)
    return f"decimal128({decimal.group(1)}, {decimal.group(2)})" if decimal else ARROW_TYPE[sql_type]


SQL_DDL = Path(__file__).resolve().parents[2] / "sql" / "ddl"


@pytest.fixture(scope="module")
def pipeline_run(spark, tmp_path_factory):
    """Run the whole pipeline once on the tiny raw set; yield its settings, lineage and home."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        settings = load_settings("local")
        write_raw_files(Path(settings.layer_uri("raw")))
        records = run_pipeline(settings, run_id="run-1")
        yield settings, records


def test_lineage_counts_every_row(pipeline_run):
    settings, records = pipeline_run
    by_target = {record.target: record for record in records}
    for dataset, (_, lines) in RAW.items():
        bronze = by_target[f"bronze.{dataset}"]
        assert (bronze.source, bronze.rows_in, bronze.rows_out, bronze.rows_rejected) == (
            f"raw.{dataset}", len(lines), len(lines), 0
        )
        silver = by_target[f"silver.{dataset}"]
        kept = sum(1 for _, outcome in lines if outcome is KEEP)
        assert (silver.source, silver.rows_in, silver.rows_out, silver.rows_rejected) == (
            f"bronze.{dataset}", len(lines), kept, len(lines) - kept
        )
    fact = [record for record in records if record.target == "gold.fact_transaction"]
    assert [(r.source, r.rows_in, r.rows_out) for r in fact] == [("silver.transactions", 3, 3)]

    # Each dataset written has one OpenLineage run that says the same, tagged with the run id.
    completed = {event["job"]["name"]: event for event in read_events(settings.lineage_events_path)
                 if event["eventType"] == "COMPLETE" and run_tag(event) == "run-1"}
    for record in records:
        outputs = {output["name"]: output["outputFacets"]["outputStatistics"]["rowCount"]
                   for output in completed[record.target]["outputs"]}
        assert outputs[openlineage_dataset(settings, record.target)[1]] == record.rows_out
        inputs = {i["name"]: i["inputFacets"]["inputStatistics"]["rowCount"] for i in completed[record.target]["inputs"]}
        assert inputs[openlineage_dataset(settings, record.source)[1]] == record.rows_in


def run_tag(event: dict) -> str | None:
    tags = event["run"]["facets"].get("tags", {}).get("tags", [])
    return next((tag["value"] for tag in tags if tag["key"] == PLATFORM_RUN_TAG), None)


def test_quarantine_has_one_reason_per_rejected_row(pipeline_run):
    settings, _ = pipeline_run
    raw_dir = Path(settings.layer_uri("raw"))
    for dataset, (_, lines) in RAW.items():
        rows = read_parquet(Path(settings.layer_uri("quarantine")) / dataset)
        assert Counter(row["reason"] for row in rows) == Counter(outcome for _, outcome in lines if outcome)
        batch_id = hashlib.sha256(extract_path(raw_dir, dataset).read_bytes()).hexdigest()[:16]
        assert {(row["dataset"], row["batch_id"], row["source_file"]) for row in rows} <= {
            (dataset, batch_id, str(extract_path(raw_dir, dataset)))
        }

    transactions = read_parquet(Path(settings.layer_uri("quarantine")) / "transactions")
    malformed = sorted(json.loads(row["record"])["_corrupt_record"] for row in transactions
                       if row["reason"] == "malformed_row")
    assert malformed == sorted(line for line, outcome in RAW["transactions"][1] if outcome == "malformed_row")
    negative = [json.loads(row["record"]) for row in transactions if row["reason"] == "negative_amount"]
    assert negative == [dict(zip(RAW_COLUMNS["transactions"], RAW["transactions"][1][-1][0].split(","), strict=True))]


def test_bronze_keeps_raw_strings_and_metadata(pipeline_run):
    settings, _ = pipeline_run
    rows = read_parquet(Path(settings.layer_uri("bronze")) / "accounts")
    schema = pq.read_table(Path(settings.layer_uri("bronze")) / "accounts").schema
    assert schema.names == [*RAW_COLUMNS["accounts"], "_corrupt_record", "source_row", "source_file",
                            "ingested_at", "batch_id", "extract_name"]
    assert {row["extract_name"] for row in rows} == {f"accounts_{FULL_EXTRACT}"}
    assert str(schema.field("ingested_at").type) == "timestamp[us]"
    assert sorted((row["source_row"], row["account_id"], row["balance"]) for row in rows) == [
        (1, "A01", "100.50"), (2, "A02", "2000.00"), (3, "A03", "-50.00"), (4, "A04", "10.00"),
    ]


def test_gold_parquet_schemas_match_the_ddl(pipeline_run):
    settings, _ = pipeline_run
    star_schema = ddl_columns(SQL_DDL / "star_schema.sql")
    assert sorted(star_schema) == sorted(GOLD_TABLES)
    for table, columns in star_schema.items():
        files = list(published(settings, table).glob("*.parquet"))
        assert len(files) == 1, table
        schema = pq.read_schema(files[0])
        assert [(field.name, str(field.type)) for field in schema] == [
            (name, arrow_type(sql_type)) for name, sql_type in columns
        ], table


def test_gold_content(pipeline_run):
    settings, _ = pipeline_run
    customers = read_parquet(published(settings, "dim_customer"))
    assert [(c["customer_key"], c["customer_id"], c["location"], c["is_current"]) for c in customers] == [
        (1, "C001", "Paris, France", False), (2, "C001", "Lyon, France", False), (3, "C001", "Nice, France", True),
        (4, "C002", "Berlin, Germany", True), (5, "C004", "Oslo, Norway", True),
    ]
    assert customers[0]["email"] == "ann.lee@example.com"
    assert customers[4]["name"] == 'Di "Dot" Fox'
    assert [c["valid_to"] for c in customers[:3]] == [
        datetime(2024, 6, 1), datetime(2024, 9, 1), datetime(9999, 12, 31),
    ]

    assert read_parquet(published(settings, "bridge_customer_account")) == [
        {"customer_id": "C001", "account_id": "A01", "relationship_type": "Primary"},
        {"customer_id": "C002", "account_id": "A01", "relationship_type": "Secondary"},
        {"customer_id": "C002", "account_id": "A02", "relationship_type": "Primary"},
    ]
    facts = read_parquet(published(settings, "fact_transaction"))
    assert [(f["transaction_id"], f["date_key"], f["amount"], f["channel"]) for f in facts] == [
        ("T01", 20250130, Decimal("800.00"), "online"), ("T02", 20250201, Decimal("25.00"), "store"),
        ("T03", 20250203, Decimal("12.50"), "mobile"),
    ]
    days = read_parquet(published(settings, "dim_date"))
    assert [d["full_date"] for d in days] == [date(2025, 1, day) for day in range(28, 32)] + [
        date(2025, 2, day) for day in range(1, 4)
    ]
    behavior = {b["customer_id"]: (b["recency_days"], b["frequency"], b["monetary"], b["distinct_categories"])
                for b in read_parquet(published(settings, "fact_customer_behavior"))}
    assert behavior == {
        "C001": (2, 2, Decimal("825.00"), 2),
        "C002": (0, 3, Decimal("837.50"), 2),
        "C004": (4, 0, Decimal("0.00"), 0),
    }


def test_a_rerun_ingests_only_new_extracts_and_gives_identical_gold(pipeline_run, caplog):
    settings, _ = pipeline_run
    bronze = Path(settings.layer_uri("bronze"))
    before = gold_snapshot(settings)
    batches_before = {row["batch_id"] for row in read_parquet(bronze / "transactions")}
    # The next day's accounts change file has nothing new (and the column outside the contract).
    write_raw_files(Path(settings.layer_uri("raw")), {"accounts": (RAW["accounts"][0], [])}, day="2025-02-05")

    with caplog.at_level(logging.WARNING, logger="jobs.ingest.bronze"):
        records = run_pipeline(settings, run_id="run-2")

    assert gold_snapshot(settings) == before
    assert {row["batch_id"] for row in read_parquet(bronze / "transactions")} == batches_before
    assert {record.run_id for record in records} == {"run-2"}
    assert {(r.target, r.rows_in) for r in records if r.step == "bronze"} == {(f"bronze.{d}", 0) for d in RAW}
    assert [message for message in caplog.messages if "branch" in message] == [
        "accounts_2025-02-05.csv: ignoring column(s) not in the raw contract: branch"]


def test_steps_run_separately_keep_each_others_lineage(pipeline_run):
    settings, _ = pipeline_run
    run_pipeline(settings, steps=("gold",), run_id="run-3")

    completed = [event for event in read_events(settings.lineage_events_path) if event["eventType"] == "COMPLETE"]
    latest_run_of = {event["job"]["name"]: run_tag(event) for event in completed}
    assert latest_run_of["gold.fact_transaction"] == "run-3"
    assert latest_run_of["silver.transactions"] == "run-2"
    # The gold-only run still hangs on the bronze and silver lineage of the earlier run.
    assert "raw.transactions" in LineageGraph.load(settings).upstream("gold.fact_transaction")


def test_missing_column_is_one_line_error(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")
    header, lines = RAW["transactions"]
    broken = dict(RAW, transactions=(header.replace(",amount", ""), lines))
    write_raw_files(Path(settings.layer_uri("raw")), broken)

    with pytest.raises(PlatformError) as error:
        run_bronze(settings, spark, "run-x")

    assert str(error.value) == f"transactions_{FULL_EXTRACT}.csv is missing column(s): amount"
    assert not Path(settings.layer_uri("bronze")).exists()


def test_a_dataset_without_extracts_is_one_line_error(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")
    write_raw_files(Path(settings.layer_uri("raw")), {k: v for k, v in RAW.items() if k != "inventory"})

    with pytest.raises(PlatformError) as error:
        run_pipeline(settings, steps=("bronze",), run_id="run-x")

    message = str(error.value)
    assert message.startswith("no inventory extracts in ") and message.endswith(": run `rtdp generate` first")
    assert "\n" not in message


def test_unknown_step_is_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))

    expected = r"^unknown pipeline step\(s\): platinum; choose from bronze, silver, gold$"
    with pytest.raises(PlatformError, match=expected):
        run_pipeline(load_settings("local"), steps=("bronze", "platinum"), run_id="run-x")


def test_silver_without_bronze_is_one_line_error(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")

    with pytest.raises(PlatformError, match=r"^bronze dataset customers not found at .*: run `rtdp bronze` first$"):
        run_pipeline(settings, steps=("silver",), run_id="run-x")


def test_an_extract_delivered_again_is_skipped_and_a_changed_one_refused(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")
    raw_dir = Path(settings.layer_uri("raw"))
    write_raw_files(raw_dir)
    run_bronze(settings, spark, "first")
    manifest = (Path(settings.layer_uri("bronze")) / "_ingested" / "products.json").read_text()

    write_raw_files(raw_dir)  # the same bytes again
    assert {record.rows_in for record in run_bronze(settings, spark, "again")} == {0}
    assert (Path(settings.layer_uri("bronze")) / "_ingested" / "products.json").read_text() == manifest

    with extract_path(raw_dir, "products").open("a") as extract:
        extract.write("P09,Late fix,Books,Paper Co,1.00,2.00\n")
    with pytest.raises(PlatformError) as error:
        run_bronze(settings, spark, "changed")
    assert re.fullmatch(rf"products_{FULL_EXTRACT}\.csv changed after bronze ingested it \(sha256 [0-9a-f]{{12}}\.\.\. "
                        r"then, [0-9a-f]{12}\.\.\. now\): a delivered extract is never changed; deliver a correction "
                        r"as a later extract, or generate a new world", str(error.value))


def test_a_change_file_adds_versions_keeps_every_key_and_updates_type_1_rows(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")
    raw_dir = Path(settings.layer_uri("raw"))
    write_raw_files(raw_dir)
    run_pipeline(settings, run_id="day-1")
    before = {(c["customer_id"], c["valid_from"]): c["customer_key"] for c in read_parquet(published(settings, "dim_customer"))}

    # The next day's change files carry only what changed: a new customer whose id sorts first,
    # Bob's move to Hamburg, and a new list price for P01 (products are type 1: a full row).
    header, _ = RAW["customers"]
    write_raw_files(raw_dir, {
        "customers": (header, [
            ('C000,Al Ames,al@example.com,"Turku, Finland",Individual,2025-02-05T08:00:00', KEEP),
            ('C002,Bob Stone,bob@example.com,"Hamburg, Germany",Business,2025-02-05T09:00:00', KEEP),
        ]),
        "products": (RAW["products"][0], [("P01,Laptop,Electronics,Acme,500.00,850.00", KEEP)]),
    }, day="2025-02-05")
    run_pipeline(settings, run_id="day-2")
    after = {(c["customer_id"], c["valid_from"]): c for c in read_parquet(published(settings, "dim_customer"))}

    assert {version: after[version]["customer_key"] for version in before} == before  # every version kept, same key
    newest = max(before.values())
    assert after[("C000", datetime(2025, 2, 5, 8))]["customer_key"] == newest + 1
    moved = after[("C002", datetime(2025, 2, 5, 9))]
    assert (moved["customer_key"], moved["location"], moved["is_current"]) == (newest + 2, "Hamburg, Germany", True)
    berlin = after[("C002", datetime(2024, 2, 1))]
    assert (berlin["valid_to"], berlin["is_current"]) == (datetime(2025, 2, 5, 9), False)
    prices = {p["product_id"]: p["list_price"] for p in read_parquet(published(settings, "dim_product"))}
    assert prices == {"P01": Decimal("850.00"), "P02": Decimal("12.50")}
    replaced = [json.loads(row["record"]) for row in read_parquet(Path(settings.layer_uri("quarantine")) / "products")
                if row["reason"] == "duplicate_product_id"]
    assert [(row["product_id"], row["list_price"]) for row in replaced] == [("P01", "800.00")]
