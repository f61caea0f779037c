"""Build the DuckDB warehouse from the gold layer.

The tables are created from sql/ddl (the single source of truth), then filled from the gold
Parquet folders, one folder per table, and from the quarantine folders, one per raw dataset.
The star schema comes from one gold publication (jobs.serve.publication), read once at the start,
so a gold run publishing meanwhile never gives a warehouse of two runs.
The file is built under a temporary name and moved into place at the end, so a reader never
sees a half-built warehouse. The OpenLineage events of the jobs so far fill lineage_events; the
build itself emits a `warehouse` run with one `warehouse.<table>` run per table it filled.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.resources import sql_dir
from jobs.serve import publication
from jobs.stream.compaction import batch_files
from jobs.trust.lineage.emit import JobRun, job_run
from jobs.trust.lineage.table import LINEAGE_EVENTS_TABLE, load_lineage_events

STAR_SCHEMA_DDL = "star_schema.sql"
OPERATIONS_DDL = "operations.sql"
QUARANTINE_TABLE = "quarantine"


# Facts the streaming job extends between batch runs, with the key that identifies a row.
STREAM_INCREMENTS = {"fact_transaction": "transaction_id"}


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads extensions and works in UTC.

    Spark writes timestamps as UTC instants; with the session in UTC they land in the
    TIMESTAMP columns unchanged, whatever the time zone of the machine.
    """
    connection = duckdb.connect(
        str(path),
        read_only=read_only,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def query_warehouse(settings: Settings, sql: str, limit: int) -> tuple[list[str], list[tuple], int]:
    """Run one query on the warehouse file, read-only: its column names, its first `limit` rows
    and how many rows it returned."""
    if not settings.warehouse_path.is_file():
        raise PlatformError(f"no warehouse at {settings.warehouse_path}: run `make demo` (or `rtdp warehouse`) first")
    with connect(settings.warehouse_path, read_only=True) as connection:
        try:
            cursor = connection.execute(sql)
            rows = cursor.fetchall() if cursor.description else []
        except duckdb.Error as error:
            raise PlatformError(f"DuckDB refused the query: {str(error).splitlines()[0]}") from None
        columns = [column[0] for column in cursor.description or []]
    return columns, rows[:limit], len(rows)


def _httpfs_extension_file() -> Path:
    # The PyPI package duckdb-extension-httpfs ships the binary for exactly this DuckDB version.
    package = resources.files("duckdb_extension_httpfs")
    extension = Path(str(package)) / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not extension.is_file():
        raise PlatformError(
            f"DuckDB httpfs extension for DuckDB {duckdb.__version__} not found at {extension}: "
            "install duckdb-extension-httpfs of the same version as duckdb"
        )
    return extension


def sql_literal(value: str) -> str:
    """`value` as a quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def attach_object_store(connection: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Let `connection` read s3:// paths: load httpfs from its PyPI package, add an S3 secret.

    The endpoint (an emulator for local stacks, none for real AWS) and region come from the
    settings, the credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
    AWS_SESSION_TOKEN if set). The secret is temporary: it is never stored in the warehouse.
    """
    key_id = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key_id or not secret:
        raise PlatformError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set to read s3:// locations")
    connection.execute(f"LOAD {sql_literal(str(_httpfs_extension_file()))}")
    options = {"KEY_ID": key_id, "SECRET": secret, "REGION": settings.aws.region}
    if os.environ.get("AWS_SESSION_TOKEN"):
        options["SESSION_TOKEN"] = os.environ["AWS_SESSION_TOKEN"]
    use_ssl = "true"
    if settings.aws.endpoint_url:
        endpoint = urlparse(settings.aws.endpoint_url)
        options["ENDPOINT"] = endpoint.netloc
        # Emulators serve buckets under the path, not as virtual hosts.
        options["URL_STYLE"] = "path"
        use_ssl = "false" if endpoint.scheme == "http" else "true"
    settings_sql = ", ".join(f"{name} {sql_literal(value)}" for name, value in options.items())
    connection.execute(f"CREATE OR REPLACE SECRET object_store (TYPE s3, {settings_sql}, USE_SSL {use_ssl})")


def _execute_ddl(connection: duckdb.DuckDBPyConnection, file_name: str) -> list[str]:
    """Run one DDL file; return the tables it created, in creation order."""
    before = set(_table_names(connection))
    connection.execute((sql_dir() / "ddl" / file_name).read_text())
    return [name for name in _table_names(connection) if name not in before]


def _table_names(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_oid"
    ).fetchall()
    return [name for (name,) in rows]


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [name for name, _ in _column_types(connection, table)]


def _column_types(connection: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()


def _insert_from_parquet(connection: duckdb.DuckDBPyConnection, table: str, folder_uri: str) -> None:
    columns = ", ".join(f'"{name}"' for name in _columns(connection, table))
    pattern = sql_literal(storage.join(folder_uri, "*.parquet"))
    try:
        connection.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM read_parquet({pattern})")
    except duckdb.Error as error:
        detail = str(error).splitlines()[0]
        raise PlatformError(f"cannot load {folder_uri} into warehouse table {table}: {detail}") from None


def _load_gold(connection: duckdb.DuckDBPyConnection, settings: Settings, locate: Callable[[str], str], table: str,
               required: bool) -> list[str]:
    """Load gold table `table` (at `locate(table)`) into `table`; return the dataset keys read
    ([] if there was nothing)."""
    folder = locate(table)
    if storage.parquet_files(settings, folder):
        _insert_from_parquet(connection, table, folder)
        return [f"gold.{table}"]
    if required:
        raise PlatformError(f"gold table {table} not found at {folder}: run `rtdp gold` first")
    return []


def _load_stream_increments(connection: duckdb.DuckDBPyConnection, settings: Settings, table: str, key: str) -> list[str]:
    """Append the streaming job's micro-batches (`<gold>/<table>_stream/batch_id=N/`, read as
    jobs.stream.compaction says) to a fact.

    A key the batch pipeline already loaded wins, so replaying history through the stream
    never counts an event twice.
    """
    folder = storage.join(settings.layer_uri("gold"), f"{table}_stream")
    files = storage.file_uris(folder, batch_files(settings, folder))
    if not files:
        return []
    columns = ", ".join(f'"{name}"' for name in _columns(connection, table))
    listed = ", ".join(sql_literal(file) for file in files)
    connection.execute(
        f"INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({key}) {columns} FROM read_parquet([{listed}]) AS increment "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS loaded WHERE loaded.{key} = increment.{key})"
    )
    return [f"gold.{table}_stream"]


def _extend_calendar(connection: duckdb.DuckDBPyConnection) -> None:
    """Add the dim_date rows of days that only streamed facts reach (the batch calendar ends
    with the batch data)."""
    connection.execute("""
        INSERT INTO dim_date
        SELECT date_key, day AS full_date, year(day), quarter(day), month(day), monthname(day), weekofyear(day),
               dayofmonth(day), isodow(day), dayname(day), isodow(day) >= 6
        FROM (SELECT DISTINCT date_key, CAST(transaction_ts AS DATE) AS day FROM fact_transaction) AS fact_days
        WHERE date_key NOT IN (SELECT date_key FROM dim_date)
    """)


def _load_quarantine(connection: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    root = settings.layer_uri("quarantine")
    loaded = []
    for dataset in storage.subfolders(settings, root):
        folder = storage.join(root, dataset)
        if storage.parquet_files(settings, folder):
            _insert_from_parquet(connection, QUARANTINE_TABLE, folder)
            loaded.append(f"quarantine.{dataset}")
    return loaded


def _row_counts(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def _emit_table_runs(settings: Settings, parent: JobRun, sources: dict[str, list[str]], counts: dict[str, int],
                     schemas: dict[str, list[tuple[str, str]]]) -> None:
    """One run per warehouse table filled from the lake, with the lake datasets it was loaded from."""
    for table, inputs in sources.items():
        if inputs:
            with job_run(settings, f"warehouse.{table}", inputs, parent, job_type="TASK") as run:
                run.output(f"warehouse.{table}", rows=counts[table], schema=schemas[table])


def build_warehouse(settings: Settings) -> dict[str, int]:
    """(Re)create the warehouse file from sql/ddl and the gold layer; return rows per table.

    Every table of star_schema.sql must have a gold folder (PlatformError otherwise); the
    operational tables (data-quality results, ML outputs) stay empty when their folder is
    absent, quarantine is the union of all quarantine dataset folders and lineage_events holds
    the OpenLineage events file. Emits the lineage of the build (see the module docstring).
    """
    with job_run(settings, "warehouse") as lineage:
        counts, sources, schemas = _build(settings)
        _emit_table_runs(settings, lineage, sources, counts, schemas)
    return counts


def _build(settings: Settings) -> tuple[dict[str, int], dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
    """Build the file; return rows per table, the lake datasets each table was loaded from and
    each table's columns with their types."""
    target = settings.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    _remove(building)
    try:
        connection = connect(building)
        try:
            if any(storage.is_s3(settings.layer_uri(layer)) for layer in ("gold", "quarantine")):
                attach_object_store(connection, settings)
            star_tables = _execute_ddl(connection, STAR_SCHEMA_DDL)
            operational_tables = _execute_ddl(connection, OPERATIONS_DDL)
            locate = publication.locator(settings)
            sources = {table: _load_gold(connection, settings, locate, table, required=True) for table in star_tables}
            for table, key in STREAM_INCREMENTS.items():
                sources[table] += _load_stream_increments(connection, settings, table, key)
            _extend_calendar(connection)
            for table in operational_tables:
                if table == QUARANTINE_TABLE:
                    sources[table] = _load_quarantine(connection, settings)
                elif table == LINEAGE_EVENTS_TABLE:
                    load_lineage_events(connection, settings)
                else:
                    sources[table] = _load_gold(connection, settings, locate, table, required=False)
            tables = star_tables + operational_tables
            counts = _row_counts(connection, tables)
            schemas = {table: _column_types(connection, table) for table in tables}
            connection.execute("CHECKPOINT")
        finally:
            connection.close()
    except BaseException:
        _remove(building)
        raise
    # A write-ahead log left by an interrupted older build would be replayed onto the new file.
    Path(f"{target}.wal").unlink(missing_ok=True)
    os.replace(building, target)
    return counts, sources, schemas
