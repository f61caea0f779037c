"""Events as the contracts define them: build, encode and key them.

`OutgoingEvent` is what the producer sends: the message key (the contract's key field), the
JSON payload and the event_id. Builders take Python values (datetime, Decimal, int) and write
the contract's JSON forms: UTC timestamps with a Z suffix and money as a two-decimal string.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from jobs.model.contracts import INVENTORY_MOVEMENT, TRANSACTION, EventContract

# Names event ids derived from a business key (uuid5), so a replay sends the same ids again.
EVENT_NAMESPACE = uuid.UUID("6f1d3c52-7f0e-4b8e-9a51-2f0c4d7a9e10")


@dataclass(frozen=True)
class OutgoingEvent:
    key: str | None
    value: bytes
    event_id: str


def utc_text(moment: datetime) -> str:
    """`moment` as the contracts' timestamp text, e.g. 2026-03-01T14:05:09.250000Z (naive = UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def money_text(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def derived_event_id(kind: str, business_key: str) -> str:
    """A stable event_id for the event of `business_key`: the same on every replay."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{kind}/{business_key}"))


def encode(contract: EventContract, document: dict[str, Any]) -> OutgoingEvent:
    """The message for `document`: compact JSON, keyed by the contract's key field."""
    key = document.get(contract.key_field)
    return OutgoingEvent(
        key=key if isinstance(key, str) else None,
        value=json.dumps(document, separators=(",", ":")).encode(),
        event_id=str(document.get("event_id")),
    )


def transaction_event(*, event_id: str, event_time: datetime, transaction_id: str, account_id: str, product_id: str,
                      amount: Decimal, quantity: int, transaction_ts: datetime, channel: str) -> dict[str, Any]:
    """A transaction event of the newest contract version."""
    return {
        "event_id": event_id,
        "event_version": TRANSACTION.latest_version,
        "event_time": utc_text(event_time),
        "transaction_id": transaction_id,
        "account_id": account_id,
        "product_id": product_id,
        "amount": money_text(amount),
        "quantity": quantity,
        "transaction_ts": utc_text(transaction_ts),
        "channel": channel,
    }


def inventory_movement_event(*, event_id: str, event_time: datetime, product_id: str, warehouse: str,
                             quantity_delta: int, reason: str) -> dict[str, Any]:
    """An inventory movement event of the newest contract version."""
    return {
        "event_id": event_id,
        "event_version": INVENTORY_MOVEMENT.latest_version,
        "event_time": utc_text(event_time),
        "product_id": product_id,
        "warehouse": warehouse,
        "quantity_delta": quantity_delta,
        "reason": reason,
    }
