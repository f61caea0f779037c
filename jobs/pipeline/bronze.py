"""Raw CSV -> bronze Parquet: every row as received (all strings) plus ingestion metadata.

Nothing is validated here except the header: rows with the wrong number of fields are kept
and flagged in `_corrupt_record` so silver can quarantine them with a reason.

Columns of `<bronze>/<dataset>/`: the contract columns of jobs.raw_contract (strings), then
`_corrupt_record` (the raw line when its field count is wrong, else NULL), `source_row`
(position of the record in the raw file), `source_file`, `ingested_at` (UTC) and `batch_id`
(from the file's content hash: the same input always gets the same batch id).
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.pipeline import lake
from jobs.pipeline.step_lineage import LineageRecord
from jobs.raw_contract import RAW_COLUMNS, raw_file_name

log = logging.getLogger(__name__)

CORRUPT_RECORD = "_corrupt_record"
# Position of the record in its raw file, 1 = first data row: "first" when de-duplicating.
SOURCE_ROW = "source_row"
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class RawFile:
    """A raw CSV file as found: where it is, its header and the batch id of its content."""

    dataset: str
    uri: str
    header: tuple[str, ...]
    batch_id: str

    @property
    def name(self) -> str:
        return raw_file_name(self.dataset)


def batch_id_of(content_sha256: str) -> str:
    """Batch id of a raw file: the start of its content hash, so the same input gives the same id."""
    return content_sha256[:16]


def inspect_raw_file(settings: Settings, dataset: str) -> RawFile:
    """Read the header of `<raw>/<dataset>.csv` and hash its content (streamed, in chunks)."""
    name = raw_file_name(dataset)
    uri = storage.join(settings.layer_uri("raw"), name)
    if not storage.exists(settings, uri):
        raise PlatformError(f"{name} not found in {settings.layer_uri('raw')}: run `rtdp generate` first")
    filesystem, path = storage.filesystem(settings, uri)
    digest = hashlib.sha256()
    first_line = b""
    with filesystem.open_input_stream(path) as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
            if b"\n" not in first_line:
                first_line += chunk
    header_line = first_line.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    header = next(csv.reader([header_line]), [])
    return RawFile(dataset, uri, tuple(column.strip() for column in header), batch_id_of(digest.hexdigest()))


def check_header(file_name: str, header: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    """Raise PlatformError naming the missing columns; return the extra columns (to be ignored)."""
    if not any(header):
        raise PlatformError(f"{file_name} has no header row")
    missing = [column for column in required if column not in header]
    if missing:
        raise PlatformError(f"{file_name} is missing column(s): {', '.join(missing)}")
    repeated = sorted({column for column in required if header.count(column) > 1})
    if repeated:
        raise PlatformError(f"{file_name} has repeated column(s): {', '.join(repeated)}")
    return [column for column in header if column not in required]


def read_raw(spark: SparkSession, raw: RawFile, ingested_at: str) -> DataFrame:
    """The raw file as bronze rows: contract columns as strings, `_corrupt_record`, metadata.

    multiLine parsing reads RFC 4180 quoted line breaks, keeps the whole file in one partition
    (so `source_row`, the position of the record in the file, is exact) and flags a wrong field
    count even when extra columns are not selected.
    """
    required = RAW_COLUMNS[raw.dataset]
    # Columns outside the contract get neutral names: their header text is not trusted.
    names = [column if column in required else f"_ignored_{index}" for index, column in enumerate(raw.header)]
    schema = T.StructType([T.StructField(name, T.StringType()) for name in [*names, CORRUPT_RECORD]])
    rows = (
        spark.read.schema(schema)
        .option("header", "true")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD)
        .option("multiLine", "true")
        .option("escape", '"')
        .option("encoding", "UTF-8")
        .csv(storage.spark_path(raw.uri))
    )
    return rows.select(
        *required,
        CORRUPT_RECORD,
        (F.monotonically_increasing_id() + 1).alias(SOURCE_ROW),
        F.lit(raw.uri).alias("source_file"),
        F.lit(ingested_at).cast(T.TimestampNTZType()).alias("ingested_at"),
        F.lit(raw.batch_id).alias("batch_id"),
    )


def run_bronze(settings: Settings, spark: SparkSession, run_id: str) -> list[LineageRecord]:
    """Ingest every raw CSV of the contract into `<bronze>/<dataset>/` (overwritten).

    All headers are checked before anything is written, so a bad file leaves bronze untouched.
    """
    raw_files = [inspect_raw_file(settings, dataset) for dataset in RAW_COLUMNS]
    for raw in raw_files:
        extra = check_header(raw.name, raw.header, RAW_COLUMNS[raw.dataset])
        if extra:
            log.warning("%s: ignoring column(s) not in the raw contract: %s", raw.name, ", ".join(extra))
    ingested_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    records = []
    for raw in raw_files:
        target = lake.dataset_uri(settings, "bronze", raw.dataset)
        lake.write(read_raw(spark, raw, ingested_at), target)
        rows = lake.count(settings, target)
        records.append(LineageRecord(run_id, "bronze", f"raw.{raw.dataset}", f"bronze.{raw.dataset}", rows, rows, 0))
    return records
