"""One consistent view of the platform's data per dashboard refresh, never holding the warehouse
for writing.

The warehouse file is built under a temporary name and moved into place (jobs.serve.warehouse),
so attaching it read-only gives one whole build and never blocks the next one: a build that
lands during a refresh shows at the next. What the stream wrote since is read from the lake: the
transaction stream's gold micro-batches, its quarantine and its bronze records, each up to the
newest batch whose progress file exists. The stream writes a batch's progress after every other
output of that batch, so a batch being written never shows.

Views of the snapshot (the warehouse's tables stay readable under their own names):
    live_transactions   fact_transaction plus the streamed facts the warehouse does not hold yet
                        (read from the batches after the last one the warehouse loaded)
    stream_records      every streamed record as received (bronze): Kafka timestamp, ingest time
    stream_rejects      the stream's quarantine: one row per rejected event with its reason
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.model.contracts import TRANSACTION
from jobs.serve.warehouse import attach_object_store, connect, loaded_batch, sql_literal
from jobs.stream.compaction import batch_files, rows_after
from jobs.stream.layout import stream_layout
from jobs.stream.progress import BatchProgress, latest_progress, progress_since
from jobs.stream.status import WINDOW

STREAMED_TOPIC = "transactions"


@dataclass(frozen=True)
class StreamPosition:
    """The newest finished micro-batch of the transaction stream; None fields when it never ran.
    `recent`: the progress of the batches that finished within a status window before it."""

    last_batch: int | None
    finished_at: datetime | None
    newest_event_time: datetime | None
    recent: tuple[BatchProgress, ...] = ()


def _files(settings: Settings, folder: str) -> list[str]:
    """The Parquet files directly in `folder` as URIs DuckDB reads (s3:// kept)."""
    return storage.file_uris(folder, storage.parquet_files(settings, folder))


def _batch_files(settings: Settings, folder: str, last_batch: int) -> list[str]:
    """The files of `folder`'s micro-batches up to `last_batch`, each row once (jobs.stream.compaction)."""
    return storage.file_uris(folder, batch_files(settings, folder, through=last_batch))


def _view(connection: duckdb.DuckDBPyConnection, name: str, files: list[str], select: str, empty: str) -> None:
    """A temporary view `name` over Parquet `files`, or with the columns of `empty` and no rows."""
    if files:
        source = f"read_parquet([{', '.join(map(sql_literal, files))}], union_by_name = true)"
        connection.execute(f"CREATE TEMP VIEW {name} AS SELECT {select} FROM {source}")
    else:
        connection.execute(f"CREATE TEMP VIEW {name} AS {empty} LIMIT 0")


def _stream_views(connection: duckdb.DuckDBPyConnection, settings: Settings, loaded: int | None) -> StreamPosition:
    """The views of the stream up to its newest finished batch; the streamed facts only after
    `loaded`, the last batch the warehouse holds."""
    layout = stream_layout(settings, STREAMED_TOPIC, TRANSACTION)
    progress = latest_progress(settings, layout.progress)
    last = progress.batch_id if progress else -1
    facts, _ = rows_after(settings, layout.gold, after=loaded, through=last) if layout.gold else (None, None)
    bronze = [file for day in storage.subfolders(settings, layout.bronze)
              for file in _batch_files(settings, storage.join(layout.bronze, day), last)]
    rejects = [file for file in _files(settings, layout.quarantine)
               if (match := re.search(r"part-(\d+)\.parquet$", file)) and int(match.group(1)) <= last]
    columns = ", ".join(f'"{name}"' for (name,) in connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'warehouse' AND table_name = 'fact_transaction' "
        "ORDER BY column_index").fetchall())
    if facts is not None:
        connection.register("streamed_rows", facts.read_all())
        connection.execute(f"CREATE TEMP VIEW streamed_facts AS SELECT {columns} FROM streamed_rows")
    else:
        connection.execute(f"CREATE TEMP VIEW streamed_facts AS SELECT {columns} FROM fact_transaction LIMIT 0")
    connection.execute(
        f"CREATE TEMP VIEW live_transactions AS SELECT {columns} FROM fact_transaction UNION ALL "
        f"SELECT DISTINCT ON (transaction_id) {columns} FROM streamed_facts AS streamed "
        "WHERE NOT EXISTS (SELECT 1 FROM fact_transaction AS loaded WHERE loaded.transaction_id = streamed.transaction_id)")
    _view(connection, "stream_records", bronze, "kafka_timestamp, ingest_time",
          "SELECT NULL::TIMESTAMP AS kafka_timestamp, NULL::TIMESTAMP AS ingest_time")
    _view(connection, "stream_rejects", rejects, "reason", "SELECT NULL::VARCHAR AS reason")
    if progress is None:
        return StreamPosition(None, None, None)
    recent = progress_since(settings, layout.progress, progress.finished_at - WINDOW)
    return StreamPosition(progress.batch_id, progress.finished_at, progress.max_event_time, tuple(recent))


@dataclass
class Snapshot:
    connection: duckdb.DuckDBPyConnection
    stream: StreamPosition
    built_at: datetime  # when the warehouse file of this snapshot was moved into place, UTC

    def frame(self, sql: str, parameters: list | None = None):
        """The rows of one query as a pandas DataFrame."""
        return self.connection.execute(sql, parameters or []).df()


@contextmanager
def snapshot(settings: Settings) -> Iterator[Snapshot]:
    """The warehouse (read-only, as its tables) and the stream since, as one DuckDB session."""
    path = settings.warehouse_path
    if not path.is_file():
        raise PlatformError(f"no warehouse at {path}: run `make demo` (or `rtdp warehouse`) first")
    connection = connect(":memory:")
    try:
        if any(storage.is_s3(settings.layer_uri(layer)) for layer in ("bronze", "gold", "quarantine")):
            attach_object_store(connection, settings)
        loaded = loaded_batch(settings, "fact_transaction")  # before the file: see loaded_batch
        built_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        connection.execute(f"ATTACH {sql_literal(str(path))} AS warehouse (READ_ONLY)")
        connection.execute("USE warehouse")
        yield Snapshot(connection, _stream_views(connection, settings, loaded), built_at)
    finally:
        connection.close()
