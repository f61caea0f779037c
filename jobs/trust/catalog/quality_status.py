"""The last data-quality status of each dataset, from the gates' results in `<gold>/dq_results/`.

Last status = the rows of the dataset's greatest run id: failed if a critical expectation
failed, warnings if only warning expectations failed, passed otherwise; a dataset without rows
is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyarrow import ArrowInvalid

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError

DQ_RESULTS = "dq_results"
PASSED, WARNINGS, FAILED, NOT_CHECKED = "passed", "warnings", "failed", "not checked"
_COLUMNS = ["run_id", "checked_at", "suite", "dataset", "expectation", "column_name", "severity", "success", "observed"]


@dataclass(frozen=True)
class FailedCheck:
    expectation: str
    column: str | None
    severity: str
    observed: str | None


@dataclass(frozen=True)
class QualityStatus:
    """Outcome of the last quality run on one dataset."""

    state: str
    run_id: str | None = None
    checked_at: str | None = None
    checks: int = 0
    failures: tuple[FailedCheck, ...] = ()


UNCHECKED = QualityStatus(NOT_CHECKED)


def _state(failures: list[FailedCheck]) -> str:
    if any(failure.severity == "critical" for failure in failures):
        return FAILED
    return WARNINGS if failures else PASSED


def _read_rows(settings: Settings) -> list[dict]:
    uri = storage.join(settings.layer_uri("gold"), DQ_RESULTS)
    try:
        results = storage.parquet_dataset(settings, uri)
        if results is None or not results.files:
            return []
        return results.to_table(columns=_COLUMNS).to_pylist()
    except (OSError, ArrowInvalid) as error:
        detail = str(error).splitlines()[0]
        raise PlatformError(f"cannot read the data-quality results at {uri}: {detail}") from None


def quality_statuses(settings: Settings) -> dict[str, QualityStatus]:
    """Dataset key -> its last quality status; datasets never checked are absent."""
    by_dataset: dict[str, list[dict]] = {}
    for row in _read_rows(settings):
        by_dataset.setdefault(row["dataset"], []).append(row)
    statuses = {}
    for dataset, all_rows in by_dataset.items():
        last_run = max(row["run_id"] for row in all_rows)
        rows = [row for row in all_rows if row["run_id"] == last_run]
        failures = [FailedCheck(row["expectation"], row["column_name"], row["severity"], row["observed"])
                    for row in rows if not row["success"]]
        checked_at = max(row["checked_at"] for row in rows)
        statuses[dataset] = QualityStatus(_state(failures), last_run, f"{checked_at:%Y-%m-%d %H:%M:%S} UTC",
                                          len(rows), tuple(failures))
    return statuses
