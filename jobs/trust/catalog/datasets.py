"""Every dataset of the platform, layer by layer, with its description, owner and columns.

Descriptions come from where each dataset is defined: the DDL of sql/ddl for the lake layers,
gold and the warehouse, the event contracts for the Kafka topics, the header comments of
sql/reports for the reports. Nothing is described twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.contracts import EventContract
from jobs.model.tables import LAKE, OPERATIONS, STAR_SCHEMA
from jobs.serve.reports.definitions import load_reports
from jobs.serve.warehouse import QUARANTINE_TABLE
from jobs.stream import dead_letters
from jobs.stream.topics import EVENT_TOPICS, dead_letter_topic
from jobs.trust.catalog.owners import owner_of
from jobs.trust.catalog.pii import strongest
from jobs.trust.catalog.schema import ColumnDoc, TableDoc, documented_tables
from jobs.trust.lineage.naming import LAYERS
from jobs.trust.lineage.table import LINEAGE_EVENTS_TABLE

# Lake layers described in lake.sql as tables named <layer>_<dataset>.
LAKE_LAYERS = ("raw", "bronze", "silver", "quarantine")
# Warehouse tables that are not gold folders: quarantine is the union of the quarantine layer's
# folders, lineage_events the OpenLineage events file.
NOT_IN_GOLD = (QUARANTINE_TABLE, LINEAGE_EVENTS_TABLE)


@dataclass(frozen=True)
class Dataset:
    """One dataset as defined: `key` is "<layer>.<name>"; `facts` are extra labelled lines
    (e.g. a report's grain); `defined_in` says where the description lives."""

    layer: str
    name: str
    description: str
    owner: str
    columns: tuple[ColumnDoc, ...]
    defined_in: str
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.layer}.{self.name}"


def _from_table(layer: str, name: str, table: TableDoc) -> Dataset:
    return Dataset(layer, name, table.description, owner_of(layer, name), table.columns,
                   f"sql/ddl/{table.ddl_file}, table {table.name}")


def _lake_datasets() -> list[Dataset]:
    tables = documented_tables(LAKE)
    return [_from_table(layer, dataset, tables[f"{layer}_{dataset}"])
            for layer in LAKE_LAYERS for dataset in RAW_COLUMNS]


def _warehouse_tables() -> dict[str, TableDoc]:
    return {**documented_tables(STAR_SCHEMA), **documented_tables(OPERATIONS)}


def _field_type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    if "enum" in spec:
        return "enum: " + ", ".join(str(value) for value in spec["enum"])
    if "const" in spec:
        return f"const {spec['const']}"
    kind = str(spec.get("type", "any"))
    return f"{kind} ({spec['format']})" if "format" in spec else kind


def _field_pii() -> dict[str, str]:
    """PII class of each column name tagged in the raw tables: events carry the same fields."""
    tables = documented_tables(LAKE)
    return {column.name: column.pii for dataset in RAW_COLUMNS
            for column in tables[f"raw_{dataset}"].columns if column.pii}


def _event_fields(contract: EventContract) -> tuple[ColumnDoc, ...]:
    schema = contract.schema(contract.latest_version)
    pii = _field_pii()
    return tuple(ColumnDoc(field, _field_type(spec), spec.get("description", ""), pii.get(field))
                 for field, spec in schema["properties"].items())


def _dead_letter_fields(contract: EventContract, event_fields: tuple[ColumnDoc, ...]) -> tuple[ColumnDoc, ...]:
    key_pii = next((field.pii for field in event_fields if field.name == contract.key_field), None)
    value_pii = strongest([field.pii for field in event_fields])
    return (
        ColumnDoc("key", "bytes", f"Key of the rejected event ({contract.key_field}), byte for byte", key_pii),
        ColumnDoc("value", "bytes", "The rejected event exactly as received, even when it is not valid JSON", value_pii),
        ColumnDoc(dead_letters.REASON_HEADER, "header", "Why the event was rejected, e.g. schema_violation or late_event", None),
        ColumnDoc(dead_letters.DETAIL_HEADER, "header", "Details of the rejection, when there are any", None),
        ColumnDoc(dead_letters.SOURCE_HEADER, "header",
                  "Where the event was read: topic/partition/offset, unique per dead letter", None),
        ColumnDoc(dead_letters.BATCH_HEADER, "header", "Micro-batch of the stream job that rejected it", None),
    )


def _kafka_datasets() -> list[Dataset]:
    datasets = []
    for topic, contract in EVENT_TOPICS.items():
        schema = contract.schema(contract.latest_version)
        source = f"jobs/model/contracts/schemas/{contract.name}.v{contract.latest_version}.json"
        fields = _event_fields(contract)
        versions = ", ".join(str(version) for version in contract.versions)
        datasets.append(Dataset("kafka", topic, schema.get("description", ""), owner_of("kafka", topic), fields,
                                source, (("Message key", contract.key_field), ("Contract versions", versions))))
        dlq = dead_letter_topic(topic)
        datasets.append(Dataset(
            "kafka", dlq,
            f"Dead letters of {topic}: events the stream job rejected, unchanged, with the reason in headers",
            owner_of("kafka", dlq), _dead_letter_fields(contract, fields), "jobs/stream/dead_letters.py",
        ))
    return datasets


def _report_datasets() -> list[Dataset]:
    datasets = []
    for report in load_reports():
        facts = [("Title", report.title), ("Grain", report.grain),
                 ("Tables used", ", ".join(report.tables_used))]
        if report.notes:
            facts.append(("Notes", report.notes))
        datasets.append(Dataset("report", report.name, report.question, owner_of("report", report.name), (),
                                f"sql/reports/{report.path.name}", tuple(facts)))
    return datasets


def all_datasets() -> list[Dataset]:
    """Every dataset of the platform, in the order of LAYERS."""
    warehouse = _warehouse_tables()
    datasets = [
        *_lake_datasets(),
        *_kafka_datasets(),
        *[_from_table("gold", name, table) for name, table in warehouse.items() if name not in NOT_IN_GOLD],
        *[_from_table("warehouse", name, table) for name, table in warehouse.items()],
        *_report_datasets(),
    ]
    return sorted(datasets, key=lambda dataset: LAYERS.index(dataset.layer))
