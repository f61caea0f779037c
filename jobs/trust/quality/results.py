"""Gate results as rows of `dq_results` (sql/ddl/operations.sql), one Parquet file per gate run.

Files are `<gold>/dq_results/<run_id>-<suite>.parquet`: the history of every run is kept, and
re-running a run id replaces its file. The warehouse build loads them all into `dq_results`.
"""

from __future__ import annotations

import io
from dataclasses import astuple, dataclass, fields
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)

from jobs import storage
from jobs.config import Settings

DQ_TABLE = "dq_results"
OBSERVED_MAX_CHARS = 200


@dataclass(frozen=True)
class DqResult:
    """One row of `dq_results`: the columns of sql/ddl/operations.sql, in that order."""

    run_id: str
    checked_at: datetime
    suite: str
    dataset: str
    expectation: str
    column_name: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    element_count: int
    observed: str

    @property
    def failed_critical(self) -> bool:
        return not self.success and self.severity == "critical"

    def describe(self) -> str:
        """`silver.transactions expect_column_values_to_be_unique(transaction_id): 2 rows`."""
        where = f"({self.column_name})" if self.column_name else ""
        evidence = f"{self.unexpected_count} rows" if self.unexpected_count else self.observed
        return f"{self.dataset} {self.expectation}{where}: {evidence}"


DQ_SCHEMA = pa.schema([
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("checked_at", pa.timestamp("us"), nullable=False),
    pa.field("suite", pa.string(), nullable=False),
    pa.field("dataset", pa.string(), nullable=False),
    pa.field("expectation", pa.string(), nullable=False),
    pa.field("column_name", pa.string()),
    pa.field("severity", pa.string(), nullable=False),
    pa.field("success", pa.bool_(), nullable=False),
    pa.field("unexpected_count", pa.int64()),
    pa.field("element_count", pa.int64(), nullable=False),
    pa.field("observed", pa.string()),
])


def _column_name(result: ExpectationValidationResult) -> str | None:
    kwargs = result.expectation_config.kwargs
    if "column" in kwargs:
        return kwargs["column"]
    if result.expectation_config.type == "expect_compound_columns_to_be_unique":
        return ",".join(kwargs["column_list"])
    return None  # a table-level expectation


def _observed(result: ExpectationValidationResult) -> str:
    """Short evidence: the error, the unexpected rows with examples, or the observed value."""
    if result.exception_info and result.exception_info.get("raised_exception"):
        message = str(result.exception_info.get("exception_message") or "error").splitlines()[0]
        text = f"error: {message}"
    elif result.result.get("unexpected_count") is not None:
        examples = ", ".join(str(value) for value in result.result.get("partial_unexpected_list", [])[:3])
        text = f"{result.result['unexpected_count']} unexpected rows" + (f", e.g. {examples}" if examples else "")
    else:
        text = f"observed {result.result.get('observed_value')}"
    return text[:OBSERVED_MAX_CHARS]


def to_rows(
    validation: ExpectationSuiteValidationResult, *, run_id: str, checked_at: datetime, suite: str, dataset: str,
    element_count: int,
) -> list[DqResult]:
    """One DqResult per expectation of a GX validation of `dataset` (which has `element_count` rows)."""
    rows = []
    for result in validation.results:
        unexpected = result.result.get("unexpected_count")
        rows.append(DqResult(
            run_id=run_id,
            checked_at=checked_at,
            suite=suite,
            dataset=dataset,
            expectation=result.expectation_config.type,
            column_name=_column_name(result),
            severity=result.expectation_config.meta["severity"],
            success=bool(result.success),
            unexpected_count=int(unexpected) if unexpected is not None else None,
            element_count=element_count,
            observed=_observed(result),
        ))
    return rows


def results_uri(settings: Settings, run_id: str, suite: str) -> str:
    """`<gold>/dq_results/<run_id>-<suite>.parquet`, made file-safe."""
    return storage.join(settings.layer_uri("gold"), DQ_TABLE, f"{storage.file_safe(f'{run_id}-{suite}')}.parquet")


def write_results(settings: Settings, run_id: str, suite: str, results: list[DqResult]) -> str:
    """Write the results of one gate run as one Parquet file; return its URI."""
    columns = [field.name for field in fields(DqResult)]
    table = pa.Table.from_pylist([dict(zip(columns, astuple(r), strict=True)) for r in results], schema=DQ_SCHEMA)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    uri = results_uri(settings, run_id, suite)
    storage.write_bytes(settings, uri, buffer.getvalue())
    return uri
