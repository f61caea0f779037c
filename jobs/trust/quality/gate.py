"""The two quality gates: silver before gold is built, gold (as staged) before it is published.

Each gate reads the datasets with pyarrow, runs one GX suite per dataset, writes every result
to dq_results and returns a GateOutcome. Only the caller decides to stop: `raise_if_failed`
raises QualityGateFailed when a critical expectation failed; warnings never stop anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.tables import STAR_SCHEMA, tables
from jobs.serve import publication
from jobs.trust.quality import context as gx_project
from jobs.trust.quality.frames import read_frame, row_count
from jobs.trust.quality.location import data_docs_index
from jobs.trust.quality.results import DqResult, to_rows, write_results
from jobs.trust.quality.suites import (
    DEFAULT_MAX_EVENT_AGE,
    DEFAULT_MAX_QUARANTINE_RATIO,
    gold_suites,
    silver_suites,
)


class QualityGateFailed(PlatformError):
    """A critical expectation failed; the message names each one with its evidence."""


@dataclass(frozen=True)
class GateOutcome:
    """Every result of one gate run, where they were written and where the data docs are."""

    suite: str
    results: list[DqResult]
    results_uri: str
    data_docs: Path

    @property
    def failed_critical(self) -> list[DqResult]:
        return [result for result in self.results if result.failed_critical]

    @property
    def failed_warnings(self) -> list[DqResult]:
        return [result for result in self.results if not result.success and result.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.failed_critical

    def raise_if_failed(self, consequence: str = "gold not published", *, strict: bool = False) -> None:
        """QualityGateFailed naming each failed critical expectation (and with `strict`, each
        failed warning too), then `consequence` and the data docs; nothing when they all held."""
        failed = self.failed_critical + (self.failed_warnings if strict else [])
        if failed:
            named = "; ".join(result.describe() for result in failed)
            raise QualityGateFailed(
                f"{self.suite} quality gate failed: {named}; {consequence} (data docs: {self.data_docs})"
            )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _silver_frames(settings: Settings) -> dict[str, pd.DataFrame]:
    return {
        dataset: read_frame(settings, storage.join(settings.layer_uri("silver"), dataset), f"silver dataset {dataset}")
        for dataset in RAW_COLUMNS
    }


def _run_gate(
    settings: Settings, context, run_id: str, suite_name: str, suites: dict, frames: dict[str, pd.DataFrame],
    checked_at: datetime,
) -> GateOutcome:
    results: list[DqResult] = []
    stored = []
    for key, suite in suites.items():
        identifier, validation = gx_project.run_suite(context, key, suite, frames[key], run_id, checked_at)
        stored.append(identifier)
        results += to_rows(validation, run_id=run_id, checked_at=checked_at, suite=suite_name, dataset=key,
                           element_count=len(frames[key]))
    gx_project.update_data_docs(context, stored)
    uri = write_results(settings, run_id, suite_name, results)
    return GateOutcome(suite_name, results, uri, data_docs_index(settings))


def validate_silver(
    settings: Settings, run_id: str, *, max_quarantine_ratio: float = DEFAULT_MAX_QUARANTINE_RATIO
) -> GateOutcome:
    """Run the silver suites on `<silver>/<dataset>/`, write the results to dq_results.

    PlatformError if a silver dataset is missing. `max_quarantine_ratio` bounds (as a warning)
    the share of each dataset's input rows that went to quarantine.
    """
    checked_at = _now()
    context = gx_project.project(settings)  # GX builds suites only with a project open
    silver = _silver_frames(settings)
    quarantined = {
        dataset: row_count(settings, storage.join(settings.layer_uri("quarantine"), dataset)) for dataset in RAW_COLUMNS
    }
    suites = silver_suites(silver, quarantined, max_quarantine_ratio)
    frames = {f"silver.{dataset}": frame for dataset, frame in silver.items()}
    return _run_gate(settings, context, run_id, "silver", suites, frames, checked_at)


def validate_gold(
    settings: Settings,
    run_id: str,
    gold_uri_of_table: Callable[[str], str] | None = None,
    *,
    now: datetime | None = None,
    max_event_age: timedelta = DEFAULT_MAX_EVENT_AGE,
) -> GateOutcome:
    """Run the gold suites on the tables at `gold_uri_of_table(table)` (default: the published
    ones), with the expected values computed from silver; write the results to dq_results.

    `now` (naive UTC, default the clock) and `max_event_age` set the freshness warning.
    """
    checked_at = _now()
    locate = gold_uri_of_table or publication.locator(settings)
    context = gx_project.project(settings)  # GX builds suites only with a project open
    silver = _silver_frames(settings)
    suites = gold_suites(silver, now or checked_at, max_event_age)
    frames = {
        f"gold.{table}": read_frame(settings, locate(table), f"gold table {table}") for table in tables(STAR_SCHEMA)
    }
    return _run_gate(settings, context, run_id, "gold", suites, frames, checked_at)
