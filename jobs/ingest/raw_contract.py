"""The raw CSV files the generator writes and the bronze job reads: their columns.

Where they are and how they are delivered (full extract, then daily change files): jobs.ingest.landing.
Raw files are UTF-8 CSV with a header row, comma separated, RFC 4180 quoting. Timestamps are
ISO 8601 in UTC (`2025-03-01T14:05:09`), dates `2025-03-01`, money with two decimals.
"""

RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    # One row per version of a customer: a customer who moves appears again with a later
    # updated_at and the new location (the source of the SCD type 2 history).
    "customers": ("customer_id", "name", "email", "location", "customer_type", "updated_at"),
    "products": ("product_id", "product_name", "category", "supplier", "cost_price", "list_price"),
    "accounts": ("account_id", "account_type", "balance", "opened_date"),
    "customer_accounts": ("customer_id", "account_id", "relationship_type"),
    "transactions": (
        "transaction_id", "account_id", "product_id", "amount", "quantity", "transaction_ts", "channel",
    ),
    "inventory": ("stock_id", "product_id", "warehouse", "snapshot_date", "quantity", "reorder_point"),
}

# Ground truth the generator plants for evaluating models; the pipeline never reads it.
TRUTH_FILES = ("anomalies", "churners", "affinities", "dirty_rows")
