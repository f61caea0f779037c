"""Day 7: bronze ingests each delivery once, even when the source sends it again under a new name.

The check generates a small world into a scratch home, delivers copies and changed extracts the
way a misbehaving source would, and runs the checkout's own bronze step on them (in this
process, on one Spark session), then reads bronze's Parquet and its manifest.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
from datetime import timedelta
from pathlib import Path

from course.checkpoints import WORLD_NOW, jvm_output_to, local_settings
from course.grading import Criterion, NotYet, Workspace
from jobs import lake, storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest import landing
from jobs.ingest.raw_contract import RAW_COLUMNS

SCALE, SEED = 1_000, 7
DATASET = "transactions"


def _settings(workspace: Workspace) -> Settings:
    return local_settings(workspace.scratch)


def _extracts(settings: Settings) -> list[Path]:
    return [Path(extract.uri) for extract in landing.extracts(settings, DATASET)]


def _later(settings: Settings, days: int) -> Path:
    """The path of a transactions extract `days` after the last day the generator delivered."""
    generated_last = max(extract.day for extract in landing.extracts(settings, "customers"))
    return Path(landing.extract_uri(settings, DATASET, generated_last + timedelta(days=days)))


def _data_rows(file: Path) -> list[list[str]]:
    with file.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def _changed_copy(source: Path, target: Path) -> None:
    """`source` with one amount a cent higher: the same rows but other content."""
    with source.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    amount = header.index("amount")
    rows[0][amount] = f"{float(rows[0][amount]) + 0.01:.2f}"
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def _run_bronze(settings: Settings, log_file: Path) -> str:
    """The checkout's bronze step; what it logged and printed (also kept in `log_file`)."""
    from jobs.pipeline import run_pipeline

    said = io.StringIO()
    handler = logging.StreamHandler(said)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with contextlib.redirect_stdout(said), jvm_output_to(log_file.with_suffix(".spark.log")):
            run_pipeline(settings, steps=("bronze",), run_id=f"day07-{log_file.stem}")
    finally:
        root.removeHandler(handler)
    log_file.write_text(said.getvalue())
    return said.getvalue()


def _bronze_rows(settings: Settings) -> dict[str, int]:
    """Rows of bronze transactions per extract."""
    found = storage.parquet_dataset(settings, lake.dataset_uri(settings, "bronze", DATASET), partitioning="hive")
    if found is None:
        return {}
    counts = found.to_table(columns=["extract_name"]).column(0).value_counts()
    return {item["values"].as_py(): item["counts"].as_py() for item in counts}


def _refuse_double(settings: Settings, copy: Path, original: Path) -> None:
    rows = _bronze_rows(settings).get(copy.stem, 0)
    if rows:
        raise NotYet(f"bronze ingested {copy.name}, a copy of {original.name}: its {rows} rows are in bronze twice")


def _copies_are_skipped(workspace: Workspace) -> None:
    from jobs.generator import generate_raw

    settings = _settings(workspace)
    generate_raw(settings, SCALE, SEED, WORLD_NOW)
    original = _extracts(settings)[0]
    same_run, later_run = _later(settings, 1), _later(settings, 2)
    same_run.write_bytes(original.read_bytes())
    _run_bronze(settings, workspace.scratch / "bronze-1.log")
    if not _bronze_rows(settings).get(original.stem):
        raise NotYet(f"bronze has no rows of {original.name}, the first delivery")
    _refuse_double(settings, same_run, original)
    later_run.write_bytes(original.read_bytes())
    _run_bronze(settings, workspace.scratch / "bronze-2.log")
    _refuse_double(settings, later_run, original)


def _copies_are_reported(workspace: Workspace) -> None:
    settings = _settings(workspace)
    original = _extracts(settings)[0]
    for log_name, copy in (("bronze-1.log", _later(settings, 1)), ("bronze-2.log", _later(settings, 2))):
        said = (workspace.scratch / log_name).read_text().splitlines()
        if not any(copy.name in line and original.name in line for line in said):
            raise NotYet(f"bronze skipped {copy.name} and said nothing naming it together with {original.name}")
    said = (workspace.scratch / "bronze-1.log").read_text()
    quiet = [Path(extract.uri).name for dataset in RAW_COLUMNS for extract in landing.extracts(settings, dataset)
             if not _data_rows(Path(extract.uri))]
    taken = [name for name in quiet if name in said]
    if taken:
        raise NotYet(f"bronze took {len(taken)} header-only change files for copies (e.g. {taken[0]}): a quiet day's "
                     "file is not a second delivery of another quiet day")


def _new_content_is_ingested(workspace: Workspace) -> None:
    settings = _settings(workspace)
    original, correction = _extracts(settings)[0], _later(settings, 3)
    _changed_copy(original, correction)
    _run_bronze(settings, workspace.scratch / "bronze-3.log")
    expected, found = len(_data_rows(correction)), _bronze_rows(settings).get(correction.stem, 0)
    if found != expected:
        raise NotYet(f"{correction.name} differs from every earlier extract in one amount; bronze holds {found} of "
                     f"its {expected} rows")


def _changed_extract_is_refused(workspace: Workspace) -> None:
    settings = _settings(workspace)
    original = _extracts(settings)[0]
    _changed_copy(original, original)
    try:
        _run_bronze(settings, workspace.scratch / "bronze-4.log")
    except PlatformError as refused:
        if "changed after bronze ingested it" not in str(refused):
            raise NotYet(f"bronze stopped, but not because the extract changed: {refused}") from None
        return
    raise NotYet(f"{original.name} changed after bronze ingested it, and bronze went on without a word")


CRITERIA = (
    Criterion("an extract delivered again under a new name is not ingested again, whether its first delivery came in "
              "the same run or an earlier one", "Step 4: the same content, a new name", _copies_are_skipped),
    Criterion("bronze warns about each copy it skips, naming the delivery it repeats; an empty change file is no copy",
              "Step 4: the same content, a new name", _copies_are_reported),
    Criterion("an extract with new content is still ingested, every row of it", "Step 3: the manifest",
              _new_content_is_ingested),
    Criterion("an extract changed after bronze ingested it is still refused", "Step 3: the manifest",
              _changed_extract_is_refused),
)
