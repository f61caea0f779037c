"""Compaction of the streamed layers: a stream's micro-batch folders (`batch_id=N/`, a small
file each) rewritten, with what earlier compactions made of them, into few large files, beside
the running stream, so that a reader that lists the files through `batch_files` (or reads them
through `rows_after`) never sees a row twice or misses one.

    <folder>/batch_id=N/part-...parquet          a micro-batch's own file, as the stream wrote it
    <folder>/batch_id=B/compacted-A-B.parquet    batches A..B in one file, in B's folder (a reader
                                                 that takes the batches up to some N sees it as B)
    <folder>/_compaction/A-B.json                the commit: while it is there, readers take the
                                                 compacted file instead of the batches' own files

`<folder>` is a day of a streamed bronze or silver dataset (`event_date=D`) or the gold folder of
a streamed fact. A compacted file holds its parts' rows in batch order and says in its metadata
(`BATCH_ROWS`) how many rows each batch has, so `rows_after` can hand a reader only the rows of
the batches it has not read yet. A compacted file that has reached `TARGET_BYTES` is left as it is; the batches
after it go into the next one, so a round rewrites only what came since the last full file and
its cost does not grow with the folder. A compaction:

1. writes the compacted file, of the batches' own files and of the earlier compacted files of
   those batches: readers ignore it while any of those is still there and there is no commit;
2. writes the commit, one small object (atomic on S3 and on a local disk);
3. waits `grace_s`, so that a reader that listed the files before the commit can read them;
4. deletes the files it replaced, then the commit: the compacted file is then an ordinary file.

A crash leaves a state readers read correctly: before step 2 the next run deletes the unfinished
file and starts again, after it the next run finishes step 4. Only batches before the stream's
last recorded batch are compacted: Spark may run the last one again after a crash.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.stream.layout import StreamLayout, stream_layout
from jobs.stream.progress import latest_progress
from jobs.stream.topics import EVENT_TOPICS, contract_of

log = logging.getLogger("rtdp.streaming")

COMMITS = "_compaction"
# A compacted file this large is full: later batches start the next (large enough for readers,
# small enough that rewriting the newest file stays cheap).
TARGET_BYTES = 128 * 2**20
# Key of a compacted file's metadata: [[batch, rows], ...] in the order of its rows.
BATCH_ROWS = b"rtdp.batch_rows"
_BATCH_FOLDER = re.compile(r"^batch_id=(\d+)$")
_COMPACTED = re.compile(r"^compacted-(\d+)-(\d+)\.parquet$")
_COMMIT = re.compile(r"^(\d+)-(\d+)\.json$")


@dataclass
class _Listing:
    """The Parquet files of one streamed folder, by batch; compacted files apart."""

    own: dict[int, list[str]] = field(default_factory=dict)  # batch -> its own files (paths)
    compacted: dict[tuple[int, int], str] = field(default_factory=dict)  # (A, B) -> path
    sizes: dict[str, int] = field(default_factory=dict)  # compacted file path -> bytes
    commits: set[tuple[int, int]] = field(default_factory=set)

    def covered(self, batch: int) -> bool:
        """An own file of `batch` that a committed compaction replaces."""
        return any(first <= batch <= last for first, last in self.commits)

    def superseded(self, span: tuple[int, int]) -> bool:
        """An earlier compacted file that a committed compaction merged into its own."""
        return any(_inside(span, commit) for commit in self.commits)

    def unfinished(self, span: tuple[int, int]) -> bool:
        """A compacted file without a commit while what it replaces is still there."""
        first, last = span
        return span not in self.commits and (
            any(first <= batch <= last for batch, files in self.own.items() if files)
            or any(_inside(other, span) for other in self.compacted))


def _inside(span: tuple[int, int], outer: tuple[int, int]) -> bool:
    return span != outer and outer[0] <= span[0] and span[1] <= outer[1]


def _list(settings: Settings, folder: str) -> _Listing:
    filesystem, path = storage.filesystem(settings, folder)
    listing = _Listing()
    for info in filesystem.get_file_info(fs.FileSelector(path, recursive=True, allow_not_found=True)):
        if info.type != fs.FileType.File:
            continue
        parent, name = info.path[len(path):].strip("/").rpartition("/")[::2]
        if parent == COMMITS and (commit := _COMMIT.match(name)):
            listing.commits.add((int(commit.group(1)), int(commit.group(2))))
        elif (batch := _BATCH_FOLDER.match(parent)) and name.endswith(".parquet") and not name.startswith((".", "_")):
            if compacted := _COMPACTED.match(name):
                listing.compacted[(int(compacted.group(1)), int(compacted.group(2)))] = info.path
                listing.sizes[info.path] = info.size
            else:
                listing.own.setdefault(int(batch.group(1)), []).append(info.path)
    return listing


def _readable(listing: _Listing) -> list[tuple[tuple[int, int], str]]:
    """The files a reader takes, each row once, with the batches each holds, in batch order."""
    wanted = [((batch, batch), path) for batch, paths in listing.own.items() if not listing.covered(batch) for path in paths]
    wanted += [(span, path) for span, path in listing.compacted.items()
               if not listing.unfinished(span) and not listing.superseded(span)]
    return sorted(wanted, key=lambda item: (item[0][1], item[1]))


def batch_files(settings: Settings, folder: str, through: int | None = None, before: int | None = None) -> list[str]:
    """The Parquet files (filesystem paths) that hold `folder`'s batches, each row once: the
    batches up to `through` and below `before` when given (a compacted file counts as its last)."""
    return [path for (_, batch), path in _readable(_list(settings, folder))
            if (through is None or batch <= through) and (before is None or batch < before)]


def last_batch(settings: Settings, folder: str) -> int | None:
    """The last batch a reader of `folder` finds (None for a folder without batches)."""
    readable = _readable(_list(settings, folder))
    return readable[-1][0][1] if readable else None


def _batch_rows(parquet: pq.ParquetFile, span: tuple[int, int]) -> list[tuple[int, int]]:
    """[(batch, rows), ...] of a file in the order of its rows; a file of one batch, or without
    BATCH_ROWS, counts as its last batch."""
    recorded = (parquet.schema_arrow.metadata or {}).get(BATCH_ROWS) if span[0] < span[1] else None
    return [tuple(pair) for pair in json.loads(recorded)] if recorded else [(span[1], parquet.metadata.num_rows)]


def _rows_from(parquet: pq.ParquetFile, skip: int) -> Iterator[pa.RecordBatch]:
    """The file's rows after its first `skip`, without reading the row groups before them."""
    groups = []
    for group in range(parquet.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        if skip >= rows and not groups:
            skip -= rows
        else:
            groups.append(group)
    for batch in parquet.iter_batches(row_groups=groups) if groups else ():
        if skip:
            batch, skip = batch.slice(min(skip, batch.num_rows)), max(0, skip - batch.num_rows)
        if batch.num_rows:
            yield batch


def rows_after(settings: Settings, folder: str, after: int | None = None,
               through: int | None = None) -> tuple[pa.RecordBatchReader | None, int | None]:
    """The rows of `folder`'s batches after batch `after` (all when None) and up to `through`
    (when given), each once, read as they stream, and the last batch they reach; (None, None)
    when there are none.

    A compacted file that also holds batches up to `after` is read from the first row after
    them, so a reader that comes back for what is new reads only what is new.
    """
    filesystem, _ = storage.filesystem(settings, folder)
    files = [(span, path) for span, path in _readable(_list(settings, folder))
             if (after is None or span[1] > after) and (through is None or span[1] <= through)]
    if not files:
        return None, None
    opened = [(span, pq.ParquetFile(path, filesystem=filesystem)) for span, path in files]
    schema = opened[0][1].schema_arrow.remove_metadata()

    def batches() -> Iterator[pa.RecordBatch]:
        for span, parquet in opened:
            skip = sum(rows for batch, rows in _batch_rows(parquet, span) if after is not None and batch <= after)
            for batch in _rows_from(parquet, skip):
                yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches()), files[-1][0][1]


@dataclass(frozen=True)
class Compaction:
    """What one compaction of one folder did."""

    folder: str
    first: int
    last: int
    files: int  # the batches' own files it replaced by one
    rows: int


def compact_folders(settings: Settings, folders: Sequence[str], through: int, grace_s: float = 30.0,
                    target_bytes: int = TARGET_BYTES) -> list[Compaction]:
    """In each of `folders`, rewrite the files of the batches up to `through` since the last full
    compacted file into one (the steps above; one grace period for all). A folder with fewer than
    two such files is left."""
    committed = []
    for folder in folders:
        listing = _list(settings, folder)
        _finish(settings, folder, listing)  # what a run that died after its commit left
        compaction = _write_and_commit(settings, folder, listing, through, target_bytes)
        if compaction:
            committed.append((compaction, listing))
    if committed:
        time.sleep(grace_s)
    for compaction, listing in committed:
        listing.commits.add((compaction.first, compaction.last))
        _finish(settings, compaction.folder, listing)
    return [compaction for compaction, _ in committed]


def _write_and_commit(settings: Settings, folder: str, listing: _Listing, through: int,
                      target_bytes: int = TARGET_BYTES) -> Compaction | None:
    """Steps 1 and 2: the own files of the batches up to `through` and the earlier compacted
    files of those batches, all after the last full compacted file, merged into one (None when
    that is fewer than two files)."""
    filesystem, path = storage.filesystem(settings, folder)
    for span in [span for span in listing.compacted if listing.unfinished(span)]:
        filesystem.delete_file(listing.compacted.pop(span))  # a run that died before its commit
    # Only what follows the last full file: a merge never spans (and so never replaces) a full one.
    after = max((span[1] for span, compacted in listing.compacted.items()
                 if span[1] <= through and listing.sizes.get(compacted, 0) >= target_bytes), default=-1)
    parts = sorted([(span, compacted) for span, compacted in listing.compacted.items() if after < span[0] and span[1] <= through]
                   + [((batch, batch), own) for batch, files in listing.own.items() if after < batch <= through for own in files])
    if len(parts) < 2:
        return None
    first, last = min(span[0] for span, _ in parts), max(span[1] for span, _ in parts)
    files = [part for _, part in parts]
    target = f"{path}/batch_id={last}/compacted-{first}-{last}.parquet"
    sources = [(span, pq.ParquetFile(part, filesystem=filesystem)) for span, part in parts]
    batch_rows = [pair for span, source in sources for pair in _batch_rows(source, span)]
    expected = sum(rows for _, rows in batch_rows)
    schema = sources[0][1].schema_arrow
    schema = schema.with_metadata({**(schema.metadata or {}), BATCH_ROWS: json.dumps(batch_rows).encode()})
    with pq.ParquetWriter(target, schema, filesystem=filesystem, compression="snappy") as writer:
        for _, source in sources:  # part by part, so the rows keep the order BATCH_ROWS states
            for record_batch in source.iter_batches():
                writer.write_batch(pa.RecordBatch.from_arrays(record_batch.columns, schema=schema))
    written = pq.ParquetFile(target, filesystem=filesystem).metadata.num_rows
    if written != expected:  # never commit a file that lost rows
        filesystem.delete_file(target)
        raise PlatformError(f"compacting {folder} wrote {written} rows of {expected}; nothing was changed")
    storage.write_bytes(settings, storage.join(folder, COMMITS, f"{first}-{last}.json"),
                        json.dumps({"first": first, "last": last, "files": files, "rows": expected}).encode())
    listing.compacted[(first, last)] = target
    return Compaction(folder, first, last, len(files), expected)


def _finish(settings: Settings, folder: str, listing: _Listing) -> None:
    """Step 4 for every commit in `listing`: delete what it replaced, then the commit."""
    filesystem, path = storage.filesystem(settings, folder)
    for first, last in sorted(listing.commits):
        batches = [batch for batch in listing.own if first <= batch <= last]
        spans = [span for span in listing.compacted if _inside(span, (first, last))]
        for file in [own for batch in batches for own in listing.own.pop(batch)] + [listing.compacted.pop(s) for s in spans]:
            filesystem.delete_file(file)
        # Their folders too, but the last batch's: it holds the compacted file.
        for batch in {*batches, *(span[1] for span in spans)} - {last}:
            try:
                filesystem.delete_dir(f"{path}/batch_id={batch}")
            except FileNotFoundError:
                pass
        filesystem.delete_file(f"{path}/{COMMITS}/{first}-{last}.json")
    listing.commits.clear()


def stream_folders(settings: Settings, layout: StreamLayout) -> list[str]:
    """The folders of one stream that hold batch folders: each day of bronze and silver, and gold."""
    days = [storage.join(root, day) for root in (layout.bronze, layout.silver)
            for day in storage.subfolders(settings, root) if day.startswith("event_date=")]
    return days + ([layout.gold] if layout.gold else [])


def compact_streams(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS),
                    grace_s: float = 30.0) -> list[Compaction]:
    """Compact every streamed folder of `topics` (platform names) up to the batch before each
    stream's last recorded one; safe while the stream runs."""
    done = []
    for topic in topics:
        layout = stream_layout(settings, topic, contract_of(topic))
        progress = latest_progress(settings, layout.progress)
        if progress is None or progress.batch_id < 1:
            continue
        for compaction in compact_folders(settings, stream_folders(settings, layout), progress.batch_id - 1, grace_s):
            log.info("compacted %s: batches %d-%d, %d files, %d rows", compaction.folder, compaction.first,
                     compaction.last, compaction.files, compaction.rows)
            done.append(compaction)
    return done
