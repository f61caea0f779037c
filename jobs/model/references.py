"""The rules a fact must keep towards the rest of silver, defined once for both paths: the
batch (jobs.refine.silver_rules) and the stream (jobs.stream.classify).

A reference rule says which silver dataset must hold a fact's key column (the column has the
same name in both), and the reason a fact gets when it does not. A business key says which
column a fact may hold only once, across every path that writes it, and the reason of a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs.model import reasons as R


@dataclass(frozen=True)
class Reference:
    column: str  # e.g. account_id: in the fact, and the key of `dataset`
    dataset: str  # the silver dataset that must hold the value
    reason: str


@dataclass(frozen=True)
class BusinessKey:
    column: str
    dataset: str  # the batch's silver dataset of the same facts
    reason: str


ACCOUNT = Reference("account_id", "accounts", R.UNKNOWN_ACCOUNT)
PRODUCT = Reference("product_id", "products", R.UNKNOWN_PRODUCT)
TRANSACTION_ID = BusinessKey("transaction_id", "transactions", R.DUPLICATE_TRANSACTION_ID)


@dataclass(frozen=True)
class FactRules:
    references: tuple[Reference, ...]
    business_key: BusinessKey | None = None

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The fact's columns these rules read: each reference's, then the business key's."""
        columns = tuple(reference.column for reference in self.references)
        return columns + (self.business_key.column,) if self.business_key else columns


TRANSACTION_RULES = FactRules((ACCOUNT, PRODUCT), TRANSACTION_ID)
# Stock snapshots (batch) and stock movements (stream) both name a product.
INVENTORY_RULES = FactRules((PRODUCT,))

# The stream's rules per event contract (jobs.model.contracts).
STREAM_RULES = {"transaction": TRANSACTION_RULES, "inventory_movement": INVENTORY_RULES}
