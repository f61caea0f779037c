"""The gold tables the models learn from, loaded once and shaped for pandas and scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.serve import publication
from ml.gold_tables import read_gold


@dataclass(frozen=True)
class GoldData:
    """transactions: one row per gold transaction with its product's category and list_price
    (money as float, transaction_ts as naive UTC datetime); holdings: customer_id, account_id
    pairs (Primary and Secondary holders); behavior: fact_customer_behavior as written by gold.
    """

    transactions: pd.DataFrame
    holdings: pd.DataFrame
    behavior: pd.DataFrame

    def purchases(self) -> pd.DataFrame:
        """Transactions seen from customers: one row per (holder, transaction) of the accounts held."""
        return self.holdings.merge(self.transactions, on="account_id")


def gold_data(transactions: pd.DataFrame, products: pd.DataFrame, holdings: pd.DataFrame,
              behavior: pd.DataFrame) -> GoldData:
    """Join gold fact_transaction to dim_product and type the columns the models use."""
    catalogue = products[["product_id", "category", "list_price"]].astype({"list_price": float})
    joined = transactions.merge(catalogue, on="product_id", how="left")
    if joined["category"].isna().any():
        missing = joined.loc[joined["category"].isna(), "product_id"].iloc[0]
        raise PlatformError(f"gold fact_transaction refers to product {missing} missing from dim_product: rebuild gold")
    joined = joined.astype({"amount": float, "quantity": int})
    joined["transaction_ts"] = pd.to_datetime(joined["transaction_ts"]).astype("datetime64[ns]")
    return GoldData(
        transactions=joined.sort_values("transaction_id", kind="stable").reset_index(drop=True),
        holdings=holdings[["customer_id", "account_id"]].drop_duplicates().reset_index(drop=True),
        behavior=behavior,
    )


def load_gold(settings: Settings) -> GoldData:
    """Read the gold tables the models need; PlatformError if gold is missing or has no sales."""
    locate = publication.locator(settings)  # all four tables from the same gold run
    data = gold_data(
        read_gold(settings, "fact_transaction",
                  ["transaction_id", "account_id", "product_id", "amount", "quantity", "transaction_ts", "channel"],
                  locate),
        read_gold(settings, "dim_product", locate=locate),
        read_gold(settings, "bridge_customer_account", locate=locate),
        read_gold(settings, "fact_customer_behavior", locate=locate),
    )
    if data.transactions.empty:
        raise PlatformError("gold fact_transaction is empty: there is nothing to learn from")
    return data
