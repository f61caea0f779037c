"""Versioned contracts of the platform's events, as JSON Schema files in `schemas/`.

One place for the producer, the stream job, the tests and the docs: `TRANSACTION` and
`INVENTORY_MOVEMENT` (see versions.py), and `check_event` (see check.py), which gives every
payload one verdict with a reason. The compatibility rule for changing a contract is in
README.md next to this file.
"""

from jobs.model.contracts.check import Verdict, check_document, check_event
from jobs.model.contracts.versions import CONTRACTS, INVENTORY_MOVEMENT, TRANSACTION, EventContract

__all__ = [
    "CONTRACTS",
    "INVENTORY_MOVEMENT",
    "TRANSACTION",
    "EventContract",
    "Verdict",
    "check_document",
    "check_event",
]
