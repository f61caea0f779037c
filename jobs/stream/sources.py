"""Where produced events come from: a replay of the generated history or a live synthetic stream.

Replay turns each row of the raw transaction extracts, oldest first, into a transaction event, as it is: dirty
rows stay dirty, so they show up in the dead-letter topic and quarantine. Event ids are derived
from the transaction_id, so replaying twice sends the same events and silver keeps them once.

The synthetic stream makes new events stamped with the current time, for the accounts and
products of the batch's silver (so the facts pass the stream's reference rules and join the
dimensions).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from jobs import lake, storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest import landing
from jobs.model.contracts import INVENTORY_MOVEMENT, TRANSACTION
from jobs.model.values import CHANNELS, WAREHOUSES
from jobs.stream.events import (
    OutgoingEvent,
    derived_event_id,
    encode,
    inventory_movement_event,
    transaction_event,
    utc_text,
)

_INTEGER = re.compile(r"^-?[0-9]+$")


def _raw_rows(settings: Settings, dataset: str) -> Iterator[dict[str, str]]:
    """Every row of every extract of `dataset`, oldest extract first."""
    for batch in landing.read_batches(settings, dataset):
        yield from batch.to_pylist()


def _timestamp_text(raw: str) -> str:
    """A raw timestamp (UTC, no zone) in the contract's form; text that is not one stays as is."""
    try:
        return utc_text(datetime.fromisoformat(raw))
    except ValueError:
        return raw


def replayed_transaction(row: dict[str, str], row_number: int) -> OutgoingEvent:
    """The event of one raw transactions row; values that do not parse are sent as their text."""
    business_key = row["transaction_id"] or f"row-{row_number}"
    when = _timestamp_text(row["transaction_ts"])
    document = {
        "event_id": derived_event_id("transaction", business_key),
        "event_version": TRANSACTION.latest_version,
        "event_time": when,
        "transaction_id": row["transaction_id"],
        "account_id": row["account_id"],
        "product_id": row["product_id"],
        "amount": row["amount"],
        "quantity": int(row["quantity"]) if _INTEGER.match(row["quantity"]) else row["quantity"],
        "transaction_ts": when,
        "channel": row["channel"],
    }
    return encode(TRANSACTION, document)


def replay_transactions(settings: Settings) -> Iterator[OutgoingEvent]:
    """Every row of the raw transaction extracts as an event, in delivery order (time order)."""
    for row_number, row in enumerate(_raw_rows(settings, "transactions"), start=1):
        yield replayed_transaction(row, row_number)


@dataclass(frozen=True)
class Catalogue:
    """What synthetic events may refer to: account ids and products with their list price."""

    accounts: tuple[str, ...]
    products: tuple[tuple[str, Decimal], ...]


def catalogue_from_silver(settings: Settings) -> Catalogue:
    """The accounts and products of the batch's silver: what the stream's reference rules accept."""
    tables = {dataset: storage.parquet_dataset(settings, lake.dataset_uri(settings, "silver", dataset))
              for dataset in ("accounts", "products")}
    if any(table is None for table in tables.values()):
        raise PlatformError(f"no silver accounts and products under {settings.layer_uri('silver')}: synthetic events "
                            "name the batch's accounts and products, so run the batch pipeline first (`rtdp run`)")
    accounts = tables["accounts"].to_table(columns=["account_id"]).column(0).to_pylist()
    products = tables["products"].to_table(columns=["product_id", "list_price"]).to_pylist()
    if not accounts or not products:
        raise PlatformError("silver has no accounts or no products: run `rtdp generate` and `rtdp run` again")
    return Catalogue(accounts=tuple(sorted(accounts)),
                     products=tuple(sorted((row["product_id"], row["list_price"]) for row in products)))


_CHANNEL_SHARE = (0.35, 0.30, 0.28, 0.07)
_DISCOUNT_SHARE = {0: 0.62, 5: 0.20, 10: 0.12, 20: 0.06}
_MOVEMENT_SHARE = {"sale": 0.70, "return": 0.08, "restock": 0.17, "adjustment": 0.05}


def _live_transaction_id() -> str:
    return "TL" + uuid.uuid4().hex[:20].upper()


def synthetic_transactions(catalogue: Catalogue, seed: int | None = None) -> Iterator[OutgoingEvent]:
    """An endless stream of new transactions happening now; `seed` fixes the values, never the ids."""
    rng = random.Random(seed)
    while True:
        product_id, price = rng.choice(catalogue.products)
        quantity = min(1 + int(rng.expovariate(1.2)), 8)
        discount = rng.choices(list(_DISCOUNT_SHARE), weights=list(_DISCOUNT_SHARE.values()))[0]
        now = datetime.now(UTC)
        yield encode(TRANSACTION, transaction_event(
            event_id=str(uuid.uuid4()),
            event_time=now,
            transaction_id=_live_transaction_id(),
            account_id=rng.choice(catalogue.accounts),
            product_id=product_id,
            amount=price * quantity * (100 - discount) / 100,
            quantity=quantity,
            transaction_ts=now,
            channel=rng.choices(CHANNELS, weights=_CHANNEL_SHARE)[0],
        ))


def _movement_size(rng: random.Random, reason: str) -> int:
    if reason == "sale":
        return -min(1 + int(rng.expovariate(1.2)), 8)
    if reason == "return":
        return 1
    if reason == "restock":
        return rng.randint(20, 200)
    return rng.choice((-1, 1)) * rng.randint(1, 5)


def synthetic_inventory_movements(catalogue: Catalogue, seed: int | None = None) -> Iterator[OutgoingEvent]:
    """An endless stream of stock movements happening now in the generator's warehouses."""
    rng = random.Random(seed)
    while True:
        reason = rng.choices(list(_MOVEMENT_SHARE), weights=list(_MOVEMENT_SHARE.values()))[0]
        yield encode(INVENTORY_MOVEMENT, inventory_movement_event(
            event_id=str(uuid.uuid4()),
            event_time=datetime.now(UTC),
            product_id=rng.choice(catalogue.products)[0],
            warehouse=rng.choice(WAREHOUSES),
            quantity_delta=_movement_size(rng, reason),
            reason=reason,
        ))
