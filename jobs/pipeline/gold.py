"""Silver -> gold: the star schema of sql/ddl/star_schema.sql as Parquet, one folder per table.

Each table is written as one file sorted by its primary key and replaces the previous one,
so a rerun on the same silver data writes the same rows.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from jobs.config import Settings
from jobs.pipeline import ddl, lake
from jobs.pipeline.gold_model import (
    build_customer_behavior,
    build_dim_customer,
    build_dim_date,
    build_fact_inventory,
    build_fact_transaction,
)
from jobs.pipeline.lineage import LineageRecord
from jobs.raw_contract import RAW_COLUMNS


def gold_tables(silver: dict[str, DataFrame]) -> dict[str, tuple[DataFrame, tuple[str, ...]]]:
    """Each gold table with the silver datasets it is built from."""
    return {
        "dim_date": (build_dim_date(silver["transactions"], silver["inventory"]), ("transactions", "inventory")),
        "dim_customer": (build_dim_customer(silver["customers"]), ("customers",)),
        "dim_product": (ddl.conform(silver["products"], "dim_product"), ("products",)),
        "dim_account": (ddl.conform(silver["accounts"], "dim_account"), ("accounts",)),
        "bridge_customer_account": (
            ddl.conform(silver["customer_accounts"], "bridge_customer_account"), ("customer_accounts",)
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


def run_gold(settings: Settings, spark: SparkSession, run_id: str) -> list[LineageRecord]:
    """Build every gold table from silver into `<gold>/<table>/`; one lineage record per
    (silver dataset, gold table) edge."""
    silver = {dataset: lake.read_dataset(settings, spark, "silver", dataset) for dataset in RAW_COLUMNS}
    silver_rows = {dataset: lake.count(settings, lake.dataset_uri(settings, "silver", dataset)) for dataset in silver}
    records = []
    for table, (frame, sources) in gold_tables(silver).items():
        target = lake.dataset_uri(settings, "gold", table)
        lake.write_sorted(frame, target, ddl.table(table).primary_key)
        rows = lake.count(settings, target)
        records += [
            LineageRecord(run_id, "gold", f"silver.{source}", f"gold.{table}", silver_rows[source], rows, 0)
            for source in sources
        ]
    return records
