"""Silver -> gold: the star schema of sql/ddl/star_schema.sql as Parquet, one folder per table,
behind the quality gates of jobs.trust.quality, published atomically (jobs.serve.publication).

1. The silver suites run first: a critical failure stops the step before anything is built.
2. Every table is built into a new publication folder, `<gold>/_publications/<started>-<run_id>/<table>/`.
3. The gold suites check those tables against silver. On a critical failure the folder is
   removed and the published gold stays exactly as it was.
4. Otherwise the pointer `<gold>/_publications/current.json` is switched to the new folder.

The results of both gates go to dq_results in every case. Each table is written as one file
sorted by its primary key, so a rerun on the same silver data writes the same rows.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from jobs import lake, storage
from jobs.config import Settings
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.tables import table as model_table
from jobs.refine.conform import conform
from jobs.serve import publication
from jobs.serve.gold_model import (
    build_customer_behavior,
    build_dim_customer,
    build_dim_date,
    build_fact_inventory,
    build_fact_transaction,
)
from jobs.trust.lineage.steps import LineageRecord
from jobs.trust.quality.gate import validate_gold, validate_silver


def gold_tables(silver: dict[str, DataFrame],
                customer_keys: DataFrame | None = None) -> dict[str, tuple[DataFrame, tuple[str, ...]]]:
    """Each gold table with the silver datasets it is built from; `customer_keys` are the keys
    dim_customer has given out so far (see build_dim_customer)."""
    return {
        "dim_date": (build_dim_date(silver["transactions"], silver["inventory"]), ("transactions", "inventory")),
        "dim_customer": (build_dim_customer(silver["customers"], customer_keys), ("customers",)),
        "dim_product": (conform(silver["products"], "dim_product"), ("products",)),
        "dim_account": (conform(silver["accounts"], "dim_account"), ("accounts",)),
        "bridge_customer_account": (
            conform(silver["customer_accounts"], "bridge_customer_account"), ("customer_accounts",)
        ),
        "fact_transaction": (build_fact_transaction(silver["transactions"]), ("transactions",)),
        "fact_inventory": (build_fact_inventory(silver["inventory"]), ("inventory",)),
        "fact_customer_behavior": (
            build_customer_behavior(
                silver["customers"], silver["customer_accounts"], silver["transactions"], silver["products"]
            ),
            ("customers", "customer_accounts", "transactions", "products"),
        ),
    }


def _published_customer_keys(settings: Settings, spark: SparkSession) -> DataFrame | None:
    """The keys the published dim_customer gave out (None before the first gold run)."""
    uri = publication.table_uri(settings, "dim_customer")
    if not storage.exists(settings, uri):
        return None
    return spark.read.parquet(storage.spark_path(uri)).select("customer_id", "valid_from", "customer_key")


def run_gold(settings: Settings, spark: SparkSession, run_id: str) -> list[LineageRecord]:
    """Build every gold table from silver and publish them together if both quality gates
    pass; one lineage record per (silver dataset, gold table) edge.

    QualityGateFailed (naming each failed critical expectation) if silver or the built gold
    fails a critical expectation; the published gold is then left untouched.
    """
    validate_silver(settings, run_id).raise_if_failed("nothing built, gold not published")
    silver = {dataset: lake.read_dataset(settings, spark, "silver", dataset) for dataset in RAW_COLUMNS}
    silver_rows = {dataset: lake.count(settings, lake.dataset_uri(settings, "silver", dataset)) for dataset in silver}
    folder = publication.new_folder(settings, run_id)
    tables = gold_tables(silver, _published_customer_keys(settings, spark))
    for table, (frame, _) in tables.items():
        lake.write_sorted(frame, storage.join(folder, table), model_table(table).primary_key)
    outcome = validate_gold(settings, run_id, lambda table: storage.join(folder, table))
    if not outcome.passed:
        publication.discard(settings, folder)
        outcome.raise_if_failed("gold not published, its tables removed")
    publication.publish(settings, run_id, folder, tables)
    records = []
    for table, (_, sources) in tables.items():
        rows = lake.count(settings, storage.join(folder, table))
        records += [
            LineageRecord(run_id, "gold", f"silver.{source}", f"gold.{table}", silver_rows[source], rows, 0)
            for source in sources
        ]
    return records
