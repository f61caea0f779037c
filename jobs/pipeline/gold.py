"""Silver -> gold: the star schema of sql/ddl/star_schema.sql as Parquet, one folder per table,
behind the quality gates of jobs.quality.

1. The silver suites run first: a critical failure stops the step before anything is built.
2. Every table is built into `<gold>/_staging/<run_id>/<table>/`.
3. The gold suites check the staged tables against silver. On a critical failure the staging
   folder is removed and the published gold stays exactly as it was.
4. Otherwise each staged table replaces `<gold>/<table>/` and the staging folder is removed.

The results of both gates go to dq_results in every case. Each table is written as one file
sorted by its primary key, so a rerun on the same silver data writes the same rows.
"""

from __future__ import annotations

from pyarrow import fs
from pyspark.sql import DataFrame, SparkSession

from jobs import storage
from jobs.config import Settings
from jobs.model.tables import table as model_table
from jobs.pipeline import lake
from jobs.pipeline.conform import conform
from jobs.pipeline.gold_model import (
    build_customer_behavior,
    build_dim_customer,
    build_dim_date,
    build_fact_inventory,
    build_fact_transaction,
)
from jobs.pipeline.step_lineage import LineageRecord
from jobs.quality.gate import validate_gold, validate_silver
from jobs.quality.results import file_safe
from jobs.raw_contract import RAW_COLUMNS

STAGING = "_staging"


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


def staging_uri(settings: Settings, run_id: str) -> str:
    """`<gold>/_staging/<run_id>/`: where the tables of one run wait for the gold gate."""
    return storage.join(settings.layer_uri("gold"), STAGING, file_safe(run_id))


def _publish(settings: Settings, staged: str, target: str) -> None:
    """Replace the dataset at `target` with the files of `staged` (same filesystem: one lake)."""
    filesystem, staged_path = storage.filesystem(settings, staged)
    _, target_path = storage.filesystem(settings, target)
    storage.delete_dir(settings, target)
    filesystem.create_dir(target_path, recursive=True)
    fs.copy_files(staged_path, target_path, source_filesystem=filesystem, destination_filesystem=filesystem)


def _remove_staging(settings: Settings, run_id: str) -> None:
    storage.delete_dir(settings, staging_uri(settings, run_id))
    staging_root = storage.join(settings.layer_uri("gold"), STAGING)
    filesystem, path = storage.filesystem(settings, staging_root)
    if storage.exists(settings, staging_root) and not filesystem.get_file_info(fs.FileSelector(path)):
        storage.delete_dir(settings, staging_root)


def _published_customer_keys(settings: Settings, spark: SparkSession) -> DataFrame | None:
    """The keys the published dim_customer gave out (None before the first gold run)."""
    uri = lake.dataset_uri(settings, "gold", "dim_customer")
    if not storage.exists(settings, uri):
        return None
    # Consumed by the staging write, before publishing replaces these files.
    return spark.read.parquet(storage.spark_path(uri)).select("customer_id", "valid_from", "customer_key")


def run_gold(settings: Settings, spark: SparkSession, run_id: str) -> list[LineageRecord]:
    """Build every gold table from silver and publish them to `<gold>/<table>/` if both quality
    gates pass; one lineage record per (silver dataset, gold table) edge.

    QualityGateFailed (naming each failed critical expectation) if silver or the staged gold
    fails a critical expectation; the published gold is then left untouched.
    """
    validate_silver(settings, run_id).raise_if_failed("nothing built, gold not published")
    silver = {dataset: lake.read_dataset(settings, spark, "silver", dataset) for dataset in RAW_COLUMNS}
    silver_rows = {dataset: lake.count(settings, lake.dataset_uri(settings, "silver", dataset)) for dataset in silver}
    staging = staging_uri(settings, run_id)
    tables = gold_tables(silver, _published_customer_keys(settings, spark))
    for table, (frame, _) in tables.items():
        lake.write_sorted(frame, storage.join(staging, table), model_table(table).primary_key)
    outcome = validate_gold(settings, run_id, lambda table: storage.join(staging, table))
    if not outcome.passed:
        _remove_staging(settings, run_id)
        outcome.raise_if_failed("gold not published, staged tables removed")
    records = []
    for table, (_, sources) in tables.items():
        target = lake.dataset_uri(settings, "gold", table)
        _publish(settings, storage.join(staging, table), target)
        rows = lake.count(settings, target)
        records += [
            LineageRecord(run_id, "gold", f"silver.{source}", f"gold.{table}", silver_rows[source], rows, 0)
            for source in sources
        ]
    _remove_staging(settings, run_id)
    return records
