"""Generating the raw data, as an OpenLineage run: a `generate` run whose outputs are the raw files."""

from __future__ import annotations

from datetime import date

from jobs.config import Settings
from jobs.generator import GenerationSummary, generate_raw
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.trust.lineage.emit import JobRun, job_run


def generate_raw_with_lineage(settings: Settings, transactions: int, seed: int, now: date | None = None,
                              parent: JobRun | None = None) -> GenerationSummary:
    """jobs.generator.generate_raw, emitting a `generate` run with each raw CSV file as an
    output (rows written, columns as strings: CSV has no types)."""
    with job_run(settings, "generate", parent=parent) as run:
        summary = generate_raw(settings, transactions=transactions, seed=seed, now=now)
        for dataset, columns in RAW_COLUMNS.items():
            run.output(f"raw.{dataset}", rows=summary.row_counts[dataset], schema=[(column, "string") for column in columns])
    return summary
