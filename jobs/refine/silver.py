"""Bronze -> silver: validate every dataset, write the accepted rows to `<silver>/<dataset>/`
and the rejected ones, with their reason, to `<quarantine>/<dataset>/` (both overwritten).

Datasets are validated in the order of their references (customers and products, then
accounts with their holders, then transactions and inventory); the references are checked
against the silver rows just written.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from jobs import lake
from jobs.config import Settings
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.refine.silver_rules import (
    Validated,
    validate_accounts,
    validate_customers,
    validate_inventory,
    validate_products,
    validate_transactions,
)
from jobs.trust.lineage.steps import LineageRecord


class _SilverWriter:
    """Writes validated datasets and keeps their lineage records."""

    def __init__(self, settings: Settings, spark: SparkSession, run_id: str) -> None:
        self.settings, self.spark, self.run_id = settings, spark, run_id
        self.records: list[LineageRecord] = []

    def publish(self, **validated: Validated) -> list[DataFrame]:
        """Write silver and quarantine rows of each dataset given; return silver as written."""
        try:
            for dataset, outcome in validated.items():
                self._write(dataset, outcome)
        finally:
            # The checked rows were cached for these writes; later datasets read silver instead.
            self.spark.catalog.clearCache()
        return [lake.read_dataset(self.settings, self.spark, "silver", dataset) for dataset in validated]

    def _write(self, dataset: str, outcome: Validated) -> None:
        silver_uri = lake.dataset_uri(self.settings, "silver", dataset)
        quarantine_uri = lake.dataset_uri(self.settings, "quarantine", dataset)
        lake.write(outcome.silver, silver_uri)
        lake.write(outcome.rejects, quarantine_uri)
        self.records.append(LineageRecord(
            self.run_id, "silver", f"bronze.{dataset}", f"silver.{dataset}",
            rows_in=lake.count(self.settings, lake.dataset_uri(self.settings, "bronze", dataset)),
            rows_out=lake.count(self.settings, silver_uri),
            rows_rejected=lake.count(self.settings, quarantine_uri),
        ))


def run_silver(settings: Settings, spark: SparkSession, run_id: str) -> list[LineageRecord]:
    """Validate all bronze datasets into silver and quarantine; one lineage record per dataset,
    with rows_in == rows_out + rows_rejected."""
    bronze = {dataset: lake.read_dataset(settings, spark, "bronze", dataset) for dataset in RAW_COLUMNS}
    writer = _SilverWriter(settings, spark, run_id)
    customers, products = writer.publish(
        customers=validate_customers(bronze["customers"]), products=validate_products(bronze["products"])
    )
    accounts, holders = validate_accounts(bronze["accounts"], bronze["customer_accounts"], customers)
    accounts, _ = writer.publish(accounts=accounts, customer_accounts=holders)
    writer.publish(
        transactions=validate_transactions(bronze["transactions"], accounts, products),
        inventory=validate_inventory(bronze["inventory"], products),
    )
    return writer.records
