"""The event contracts: which versions exist, where their schema files are, what silver keeps.

A contract's versions are the files `schemas/<name>.v<N>.json` (JSON Schema 2020-12), found at
import. The silver columns of a contract are typed in Spark SQL terms here, next to the schema
they come from, so the producer and the contract checks need no Spark.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

_SCHEMA_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>[1-9][0-9]*)\.json$")


@dataclass(frozen=True)
class EventContract:
    """One event type: its schema per version, its message key and its typed silver columns.

    `silver_types` maps every field of the newest version to a Spark SQL type; silver keeps the
    fields under the same names.
    """

    name: str
    key_field: str
    schemas: dict[int, dict[str, Any]]
    silver_types: dict[str, str]

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(sorted(self.schemas))

    @property
    def latest_version(self) -> int:
        return self.versions[-1]

    def schema(self, version: int) -> dict[str, Any]:
        return self.schemas[version]

    def fields(self, version: int | None = None) -> tuple[str, ...]:
        """The fields of `version` (default: the newest), in schema order."""
        return tuple(self.schemas[version or self.latest_version]["properties"])


def schema_files() -> dict[str, dict[int, dict[str, Any]]]:
    """Every schema file of the package: contract name -> version -> parsed JSON Schema."""
    found: dict[str, dict[int, dict[str, Any]]] = {}
    for entry in resources.files("jobs.model.contracts").joinpath("schemas").iterdir():
        match = _SCHEMA_FILE.match(entry.name)
        if match is None:
            continue
        found.setdefault(match["name"], {})[int(match["version"])] = json.loads(entry.read_text(encoding="utf-8"))
    return found


def _contract(name: str, key_field: str, silver_types: dict[str, str]) -> EventContract:
    schemas = schema_files()[name]
    for version, schema in schemas.items():
        # The file name and the event_version the schema accepts must agree, or dispatch would lie.
        if schema["properties"]["event_version"].get("const") != version:
            raise ValueError(f"schema {name}.v{version}.json does not fix event_version to {version}")
    contract = EventContract(name=name, key_field=key_field, schemas=schemas, silver_types=silver_types)
    if set(contract.fields()) != set(silver_types):
        raise ValueError(f"silver columns of contract {name} differ from the fields of its newest schema")
    return contract


TIMESTAMP = "timestamp_ntz"  # UTC wall-clock time, like the batch silver layer

TRANSACTION = _contract("transaction", key_field="account_id", silver_types={
    "event_id": "string",
    "event_version": "int",
    "event_time": TIMESTAMP,
    "transaction_id": "string",
    "account_id": "string",
    "product_id": "string",
    "amount": "decimal(12,2)",
    "quantity": "int",
    "transaction_ts": TIMESTAMP,
    "channel": "string",
})

INVENTORY_MOVEMENT = _contract("inventory_movement", key_field="product_id", silver_types={
    "event_id": "string",
    "event_version": "int",
    "event_time": TIMESTAMP,
    "product_id": "string",
    "warehouse": "string",
    "quantity_delta": "int",
    "reason": "string",
})

CONTRACTS = {contract.name: contract for contract in (TRANSACTION, INVENTORY_MOVEMENT)}
