"""How big every dataset is, derived from the number of transactions asked for."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jobs.errors import PlatformError

MIN_TRANSACTIONS = 1_000
MAX_TRANSACTIONS = 10_000_000

# Shares of the transaction rows that carry planted patterns.
BASKET_SHARE = 0.04  # pairs of rows: a planted affinity pair bought together
ANOMALY_SHARE = 0.005
DIRTY_SHARE = 0.003


@dataclass(frozen=True)
class Sizes:
    transactions: int
    customers: int
    products: int
    accounts: int
    affinity_pairs: int
    baskets: int
    anomalies: int
    dirty_transactions: int
    dirty_customers: int
    dirty_products: int


def sizes_for(transactions: int, dirty_kinds: int) -> Sizes:
    """Sizes for `transactions` transaction rows (dirty rows included).

    Raises PlatformError outside 1,000..10,000,000. `dirty_kinds` is the number of defect
    kinds, so that even the smallest scale shows each kind at least twice.
    """
    if not MIN_TRANSACTIONS <= transactions <= MAX_TRANSACTIONS:
        raise PlatformError(
            f"scale must be between {MIN_TRANSACTIONS:,} and {MAX_TRANSACTIONS:,} transactions, got {transactions:,}"
        )
    customers = max(200, transactions // 50)
    # 100 products at 1,000 transactions up to 500 at 10,000,000, growing with the log of the scale.
    products = round(100 + 100 * math.log10(transactions / MIN_TRANSACTIONS))
    return Sizes(
        transactions=transactions,
        customers=customers,
        products=products,
        accounts=round(customers * 1.2),
        affinity_pairs=min(25, max(5, products // 20)),
        baskets=round(transactions * BASKET_SHARE),
        anomalies=max(12, round(transactions * ANOMALY_SHARE)),
        dirty_transactions=max(2 * dirty_kinds, round(transactions * DIRTY_SHARE)),
        dirty_customers=3 + customers // 20_000,
        dirty_products=3,
    )
