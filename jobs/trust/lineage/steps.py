"""Lineage of a pipeline step: which dataset fed which, with row counts, as OpenLineage runs."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.config import Settings
from jobs.trust.lineage.emit import JobRun, job_run


@dataclass(frozen=True)
class LineageRecord:
    """One edge of the lineage graph: `source` was read and `target` written by `step`.

    For a silver dataset rows_in == rows_out + rows_rejected: nothing is dropped silently.
    """

    run_id: str
    step: str
    source: str
    target: str
    rows_in: int
    rows_out: int
    rows_rejected: int


def emit_dataset_runs(settings: Settings, records: list[LineageRecord], parent: JobRun) -> None:
    """One OpenLineage run per dataset a step wrote, named after it (e.g. silver.transactions):
    its sources as inputs with the rows read, the dataset (and, for silver, its quarantine with
    the rejected rows) as outputs. One run per dataset keeps the lineage exact: silver.customers
    does not appear to come from bronze.transactions just because the same step wrote both."""
    by_target: dict[str, list[LineageRecord]] = {}
    for record in records:
        by_target.setdefault(record.target, []).append(record)
    for target, feeding in by_target.items():
        with job_run(settings, target, [record.source for record in feeding], parent, job_type="TASK") as run:
            for record in feeding:
                run.input(record.source, rows=record.rows_in)
            run.output(target, rows=feeding[0].rows_out)
            if feeding[0].step == "silver":
                run.output(f"quarantine.{target.partition('.')[2]}", rows=feeding[0].rows_rejected)
