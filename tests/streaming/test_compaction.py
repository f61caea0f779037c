"""Compaction of a streamed folder on a local disk, step by step: what a reader sees after each
step and after a crash at each step (no Spark: the folders are written as the stream lays them out)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.stream import compaction
from jobs.stream.compaction import batch_files, compact_folders

pytestmark = pytest.mark.unit


def _batch(folder: Path, batch: int, ids: list[str]) -> None:
    """One micro-batch's file, as Spark names it, with a checksum file beside it as Spark writes locally."""
    target = folder / f"batch_id={batch}"
    target.mkdir(parents=True)
    pq.write_table(pa.table({"event_id": ids, "amount": [float(len(ids))] * len(ids)}),
                   target / f"part-00000-{batch:04d}.snappy.parquet")
    (target / f".part-00000-{batch:04d}.snappy.parquet.crc").write_bytes(b"crc")


def _read(settings, folder: Path, **bounds) -> list[str]:
    files = batch_files(settings, str(folder), **bounds)
    return sorted(pq.read_table(files).column("event_id").to_pylist()) if files else []


@pytest.fixture
def folder(local_settings, tmp_path) -> Path:
    day = tmp_path / "silver" / "stream_transactions" / "event_date=2026-05-04"
    for batch in range(5):
        _batch(day, batch, [f"e{batch}-{n}" for n in range(batch + 1)])  # 15 rows in 5 files
    return day


EVERY_ID = sorted(f"e{batch}-{n}" for batch in range(5) for n in range(batch + 1))


def _files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file() and not path.name.startswith("."))


def test_the_batches_up_to_a_bound_become_one_file_and_a_reader_sees_each_row_once(local_settings, folder):
    (done,) = compact_folders(local_settings, [str(folder)], through=3, grace_s=0)
    assert (done.first, done.last, done.files, done.rows) == (0, 3, 4, 10)
    assert _files(folder) == ["batch_id=3/compacted-0-3.parquet", "batch_id=4/part-00000-0004.snappy.parquet"]
    assert _read(local_settings, folder) == EVERY_ID
    # The compacted file counts as batch 3: a reader of the batches before 3 gets none of them.
    assert _read(local_settings, folder, before=3) == []
    assert _read(local_settings, folder, through=3) == sorted(i for i in EVERY_ID if not i.startswith("e4"))
    assert pq.read_schema(folder / "batch_id=3" / "compacted-0-3.parquet").names == ["event_id", "amount"]

    _batch(folder, 5, ["e5-0"])
    assert compact_folders(local_settings, [str(folder)], through=3, grace_s=0) == []  # one file is one file
    (again,) = compact_folders(local_settings, [str(folder)], through=5, grace_s=0)
    # The earlier compacted file is merged too: one file per folder, however often it runs.
    assert (again.first, again.last, again.files, again.rows) == (0, 5, 3, 16)
    assert _files(folder) == ["batch_id=5/compacted-0-5.parquet"]
    assert _read(local_settings, folder) == sorted([*EVERY_ID, "e5-0"])


def test_a_reader_sees_each_row_once_at_every_step_and_after_a_crash_at_any_step(local_settings, folder, this_thread_only):
    seen_at_steps = []

    def read_instead_of_waiting(seconds: float) -> None:
        seen_at_steps.append(_read(local_settings, folder))  # between the commit and the deletions

    this_thread_only(compaction.time, "sleep", read_instead_of_waiting)
    listing = compaction._list(local_settings, str(folder))
    compaction._write_and_commit(local_settings, str(folder), listing, through=4)
    assert (folder / "_compaction" / "0-4.json").is_file()
    assert _read(local_settings, folder) == EVERY_ID  # committed: the compacted file, not the batches' own

    # A crash before the commit: the compacted file is there, the commit is not.
    (folder / "_compaction" / "0-4.json").unlink()
    assert _read(local_settings, folder) == EVERY_ID  # the unfinished file is ignored
    compact_folders(local_settings, [str(folder)], through=4, grace_s=1)
    assert seen_at_steps == [EVERY_ID]
    assert _files(folder) == ["batch_id=4/compacted-0-4.parquet"]
    assert _read(local_settings, folder) == EVERY_ID


def test_a_crash_after_the_commit_is_finished_by_the_next_run(local_settings, folder):
    listing = compaction._list(local_settings, str(folder))
    compaction._write_and_commit(local_settings, str(folder), listing, through=2)
    (folder / "batch_id=0" / "part-00000-0000.snappy.parquet").unlink()  # died while deleting
    assert _read(local_settings, folder) == EVERY_ID
    compact_folders(local_settings, [str(folder)], through=2, grace_s=0)
    assert _files(folder) == ["batch_id=2/compacted-0-2.parquet", "batch_id=3/part-00000-0003.snappy.parquet",
                              "batch_id=4/part-00000-0004.snappy.parquet"]
    assert _read(local_settings, folder) == EVERY_ID


def test_a_crash_before_the_commit_of_a_merge_with_an_earlier_compacted_file(local_settings, folder):
    compact_folders(local_settings, [str(folder)], through=3, grace_s=0)
    _batch(folder, 5, ["e5-0"])
    listing = compaction._list(local_settings, str(folder))
    compaction._write_and_commit(local_settings, str(folder), listing, through=5)
    (folder / "_compaction" / "0-5.json").unlink()  # died before the commit
    # compacted-0-5 is unfinished while compacted-0-3 and batches 4 and 5 are there: ignored.
    assert _read(local_settings, folder) == sorted([*EVERY_ID, "e5-0"])
    compact_folders(local_settings, [str(folder)], through=5, grace_s=0)
    assert _files(folder) == ["batch_id=5/compacted-0-5.parquet"]
    assert _read(local_settings, folder) == sorted([*EVERY_ID, "e5-0"])


def test_a_full_compacted_file_is_left_and_the_batches_after_it_start_the_next(local_settings, folder):
    compact_folders(local_settings, [str(folder)], through=3, grace_s=0, target_bytes=1)  # every file is full
    full = folder / "batch_id=3" / "compacted-0-3.parquet"
    written = full.stat().st_mtime_ns
    _batch(folder, 5, ["e5-0"])

    (done,) = compact_folders(local_settings, [str(folder)], through=5, grace_s=0, target_bytes=1)

    assert (done.first, done.last, done.files, done.rows) == (4, 5, 2, 6)
    assert _files(folder) == ["batch_id=3/compacted-0-3.parquet", "batch_id=5/compacted-4-5.parquet"]
    assert full.stat().st_mtime_ns == written  # not rewritten
    assert _read(local_settings, folder) == sorted([*EVERY_ID, "e5-0"])
    assert _read(local_settings, folder, through=3) == sorted(i for i in EVERY_ID if not i.startswith("e4"))
    # Below the target, the two merge again into one.
    (merged,) = compact_folders(local_settings, [str(folder)], through=5, grace_s=0)
    assert (merged.first, merged.last) == (0, 5)
    assert _files(folder) == ["batch_id=5/compacted-0-5.parquet"]
    assert _read(local_settings, folder) == sorted([*EVERY_ID, "e5-0"])


def _ids_after(settings, folder: Path, after: int | None) -> tuple[list[str], int | None]:
    rows, last = compaction.rows_after(settings, str(folder), after)
    return (sorted(rows.read_all().column("event_id").to_pylist()) if rows else []), last


def _ids_of(*batches: int) -> list[str]:
    return sorted(f"e{batch}-{n}" for batch in batches for n in range(batch + 1))


def test_a_reader_coming_back_gets_only_the_batches_since_even_inside_a_compacted_file(local_settings, folder):
    assert _ids_after(local_settings, folder, None) == (EVERY_ID, 4)
    assert _ids_after(local_settings, folder, 1) == (_ids_of(2, 3, 4), 4)
    compact_folders(local_settings, [str(folder)], through=3, grace_s=0)
    # Batches 0-3 are one file now: a reader that had read up to batch 1 gets 2 and 3 from it.
    assert _ids_after(local_settings, folder, 1) == (_ids_of(2, 3, 4), 4)
    assert _ids_after(local_settings, folder, 3) == (_ids_of(4), 4)
    assert _ids_after(local_settings, folder, 4) == ([], None)
    # Merged again with later batches, the file still knows where each batch's rows start.
    _batch(folder, 5, ["e5-0"])
    compact_folders(local_settings, [str(folder)], through=5, grace_s=0)
    assert _files(folder) == ["batch_id=5/compacted-0-5.parquet"]
    assert _ids_after(local_settings, folder, 2) == (sorted([*_ids_of(3, 4), "e5-0"]), 5)
    assert _ids_after(local_settings, folder, None) == (sorted([*EVERY_ID, "e5-0"]), 5)


def test_a_compacted_file_without_batch_rows_is_read_whole_unless_every_batch_in_it_was_read(local_settings, folder):
    # As compacted before its files said where each batch starts: counted as its last batch.
    compact_folders(local_settings, [str(folder)], through=3, grace_s=0)
    compacted = folder / "batch_id=3" / "compacted-0-3.parquet"
    pq.write_table(pq.ParquetFile(compacted).read().replace_schema_metadata(None), compacted)
    assert _ids_after(local_settings, folder, 1) == (EVERY_ID, 4)
    assert _ids_after(local_settings, folder, 3) == (_ids_of(4), 4)


def test_a_batch_s_own_file_counts_as_its_batch_whatever_metadata_it_carries(local_settings, folder):
    # E.g. a file made from a compacted one: its BATCH_ROWS speak of other batches.
    own = folder / "batch_id=4" / "part-00000-0004.snappy.parquet"
    table = pq.ParquetFile(own).read()
    pq.write_table(table.replace_schema_metadata({compaction.BATCH_ROWS: b"[[0, 5]]"}), own)
    assert _ids_after(local_settings, folder, 3) == (_ids_of(4), 4)


def test_rows_are_skipped_by_row_group_and_then_inside_one(tmp_path):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"n": list(range(10))}), path, row_group_size=4)
    parquet = pq.ParquetFile(path)
    for skip in range(11):
        assert [n for batch in compaction._rows_from(parquet, skip) for n in batch.column("n").to_pylist()] == list(range(skip, 10))
