"""The warehouse table lineage_events: the events file flattened, one row per event and dataset.

Its columns are those of `lineage_events` in sql/ddl/operations.sql, in that order.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd

from jobs.config import Settings
from jobs.trust.lineage.emit import PLATFORM_RUN_TAG
from jobs.trust.lineage.event_log import read_events
from jobs.trust.lineage.naming import dataset_key

LINEAGE_EVENTS_TABLE = "lineage_events"
COLUMNS = ("run_id", "parent_run_id", "job_name", "event_type", "event_time", "platform_run_id", "dataset_key",
           "dataset_namespace", "dataset_name", "direction", "row_count", "error_message")


def _event_time(text: str) -> datetime:
    # Stored as UTC without zone, like every TIMESTAMP of the warehouse.
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def _platform_run_id(run_facets: dict) -> str | None:
    tags = (run_facets.get("tags") or {}).get("tags") or []
    return next((tag["value"] for tag in tags if tag.get("key") == PLATFORM_RUN_TAG), None)


def _row_count(dataset: dict, direction: str) -> int | None:
    facets = dataset.get("inputFacets" if direction == "input" else "outputFacets") or {}
    statistics = facets.get("inputStatistics" if direction == "input" else "outputStatistics") or {}
    return statistics.get("rowCount")


def lineage_rows(settings: Settings, events: list[dict]) -> list[tuple]:
    """One tuple (in COLUMNS order) per event and dataset it names; one with NULL dataset
    columns for an event that names no dataset."""
    rows = []
    for event in events:
        facets = event["run"].get("facets") or {}
        event_part = (
            event["run"]["runId"],
            ((facets.get("parent") or {}).get("run") or {}).get("runId"),
            event["job"]["name"],
            event.get("eventType") or "OTHER",
            _event_time(event["eventTime"]),
            _platform_run_id(facets),
        )
        error = (facets.get("errorMessage") or {}).get("message")
        datasets = [("input", dataset) for dataset in event.get("inputs") or []]
        datasets += [("output", dataset) for dataset in event.get("outputs") or []]
        for direction, dataset in datasets:
            key = dataset_key(settings, dataset["namespace"], dataset["name"])
            rows.append((*event_part, key, dataset["namespace"], dataset["name"], direction,
                         _row_count(dataset, direction), error))
        if not datasets:
            rows.append((*event_part, None, None, None, None, None, error))
    return rows


def load_lineage_events(connection: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Fill the (existing, empty) lineage_events table from `settings.lineage_events_path`."""
    rows = lineage_rows(settings, read_events(settings.lineage_events_path))
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype({"row_count": "Int64"})
    connection.register("lineage_rows", frame)
    try:
        connection.execute(f"INSERT INTO {LINEAGE_EVENTS_TABLE} ({', '.join(COLUMNS)}) "
                           f"SELECT {', '.join(COLUMNS)} FROM lineage_rows")
    finally:
        connection.unregister("lineage_rows")
