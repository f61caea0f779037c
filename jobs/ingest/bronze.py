"""Raw extracts -> bronze Parquet: every row as received (all strings) plus ingestion metadata.

Bronze ingests each extract of the landing zone (jobs.ingest.landing) once. It keeps a manifest of
the extracts it ingested, by name and content hash, in `<bronze>/_ingested/<dataset>.json`:
an extract delivered again unchanged is skipped, and one whose content changed under a name
already ingested is refused (a source never changes a delivered extract; a correction is a
later extract). So bronze holds every extract ever delivered, the history silver is built from.

Nothing is validated here except the header: rows with the wrong number of fields are kept
and flagged in `_corrupt_record` so silver can quarantine them with a reason.

Columns of `<bronze>/<dataset>/extract_name=<extract>/`: the contract columns of
jobs.ingest.raw_contract (strings), then `_corrupt_record` (the raw line when its field count is
wrong, else NULL), `source_row` (position of the record in its extract file), `source_file`,
`ingested_at` (UTC), `batch_id` (from the file's content hash: the same input always gets the
same batch id) and `extract_name` (the extract file without `.csv`, also the folder name).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs import lake, storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest import landing
from jobs.ingest.landing import Extract
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.trust.lineage.steps import LineageRecord

log = logging.getLogger(__name__)

CORRUPT_RECORD = "_corrupt_record"
# Position of the record in its raw file, 1 = first data row: "first" when de-duplicating.
SOURCE_ROW = "source_row"
EXTRACT_NAME = "extract_name"
MANIFESTS = "_ingested"
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class RawFile:
    """An extract as found: where it is, its header and the hash of its content."""

    extract: Extract
    header: tuple[str, ...]
    sha256: str

    @property
    def name(self) -> str:
        return self.extract.name

    @property
    def batch_id(self) -> str:
        """The start of the content hash, so the same input gives the same id."""
        return self.sha256[:16]

    @property
    def stem(self) -> str:
        return self.name.removesuffix(".csv")


@dataclass(frozen=True)
class Ingested:
    """One line of a bronze manifest: an extract that is in bronze."""

    file: str
    sha256: str
    rows: int
    ingested_at: str


def inspect_raw_file(settings: Settings, extract: Extract) -> RawFile:
    """Read the header of an extract and hash its content (streamed, in chunks)."""
    filesystem, path = storage.filesystem(settings, extract.uri)
    digest = hashlib.sha256()
    first_line = b""
    with filesystem.open_input_stream(path) as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            digest.update(chunk)
            if b"\n" not in first_line:
                first_line += chunk
    header_line = first_line.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    header = next(csv.reader([header_line]), [])
    return RawFile(extract, tuple(column.strip() for column in header), digest.hexdigest())


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


def manifest_uri(settings: Settings, dataset: str) -> str:
    return storage.join(settings.layer_uri("bronze"), MANIFESTS, f"{dataset}.json")


def read_manifest(settings: Settings, dataset: str) -> dict[str, Ingested]:
    """The extracts of `dataset` in bronze, by file name; empty before the first ingestion."""
    uri = manifest_uri(settings, dataset)
    if not storage.exists(settings, uri):
        return {}
    entries = [Ingested(**entry) for entry in json.loads(storage.read_bytes(settings, uri))]
    return {entry.file: entry for entry in entries}


def _write_manifest(settings: Settings, dataset: str, entries: Sequence[Ingested]) -> None:
    ordered = sorted(entries, key=lambda entry: entry.file)
    storage.replace_bytes(settings, manifest_uri(settings, dataset),
                          json.dumps([asdict(entry) for entry in ordered], indent=2).encode())


def pending_extracts(settings: Settings, dataset: str, ingested: dict[str, Ingested]) -> list[RawFile]:
    """The extracts of `dataset` not among `ingested` (its manifest), oldest first.

    PlatformError when the landing zone has none at all, or when an ingested extract changed.
    """
    pending = []
    for extract in landing.require_extracts(settings, dataset):
        raw = inspect_raw_file(settings, extract)
        known = ingested.get(raw.name)
        if known is None:
            pending.append(raw)
        elif known.sha256 != raw.sha256:
            raise PlatformError(
                f"{raw.name} changed after bronze ingested it (sha256 {known.sha256[:12]}... then, "
                f"{raw.sha256[:12]}... now): a delivered extract is never changed; deliver a correction "
                "as a later extract, or generate a new world"
            )
    return pending


def read_raw(spark: SparkSession, files: Sequence[RawFile], ingested_at: str) -> DataFrame:
    """Extracts of one dataset with the same header as bronze rows: contract columns as
    strings, `_corrupt_record`, metadata.

    multiLine parsing reads RFC 4180 quoted line breaks, keeps each file whole in one partition
    (so the order of ids within a file is the order of its records, and `source_row` is exact)
    and flags a wrong field count even when extra columns are not selected.
    """
    dataset, header = files[0].extract.dataset, files[0].header
    required = RAW_COLUMNS[dataset]
    # Columns outside the contract get neutral names: their header text is not trusted.
    names = [column if column in required else f"_ignored_{index}" for index, column in enumerate(header)]
    schema = T.StructType([T.StructField(name, T.StringType()) for name in [*names, CORRUPT_RECORD]])
    rows = (
        spark.read.schema(schema)
        .option("header", "true")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD)
        .option("multiLine", "true")
        .option("escape", '"')
        .option("encoding", "UTF-8")
        .csv([storage.spark_path(raw.extract.uri) for raw in files])
    )
    base_name = F.element_at(F.split(F.input_file_name(), "/"), -1)
    by_name = {raw.name: raw for raw in files}

    def lookup(value_of) -> F.Column:
        return F.create_map(*[F.lit(part) for name, raw in by_name.items() for part in (name, value_of(raw))])[base_name]

    located = rows.select(
        "*",
        F.monotonically_increasing_id().alias("_position"),
        lookup(lambda raw: raw.extract.uri).alias("source_file"),
        lookup(lambda raw: raw.batch_id).alias("batch_id"),
        lookup(lambda raw: raw.stem).alias(EXTRACT_NAME),
    )
    in_file = Window.partitionBy("source_file").orderBy("_position")
    return located.select(
        *required,
        CORRUPT_RECORD,
        F.row_number().over(in_file).cast("bigint").alias(SOURCE_ROW),
        "source_file",
        F.lit(ingested_at).cast(T.TimestampNTZType()).alias("ingested_at"),
        "batch_id",
        EXTRACT_NAME,
    )


def _by_header(files: Sequence[RawFile]) -> list[list[RawFile]]:
    groups: dict[tuple[str, ...], list[RawFile]] = {}
    for raw in files:
        groups.setdefault(raw.header, []).append(raw)
    return list(groups.values())


def run_bronze(settings: Settings, spark: SparkSession, run_id: str) -> list[LineageRecord]:
    """Ingest every extract not in bronze yet into `<bronze>/<dataset>/extract_name=<extract>/`.

    Every extract is checked (content unchanged, header) before anything is written, so a bad
    file leaves bronze untouched. One lineage record per dataset with the rows ingested now.
    """
    manifests = {dataset: read_manifest(settings, dataset) for dataset in RAW_COLUMNS}
    pending = {dataset: pending_extracts(settings, dataset, manifests[dataset]) for dataset in RAW_COLUMNS}
    for dataset, files in pending.items():
        for raw in files:
            extra = check_header(raw.name, raw.header, RAW_COLUMNS[dataset])
            if extra:
                log.warning("%s: ignoring column(s) not in the raw contract: %s", raw.name, ", ".join(extra))
    ingested_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    records = []
    for dataset, files in pending.items():
        target = lake.dataset_uri(settings, "bronze", dataset)
        new = []
        if files:
            if not manifests[dataset]:
                storage.delete_dir(settings, target)  # bronze written before this manifest: start again
            for group in _by_header(files):
                lake.write_partitions(read_raw(spark, group, ingested_at), target, EXTRACT_NAME)
            new = [Ingested(raw.name, raw.sha256, _rows(settings, target, raw), ingested_at) for raw in files]
            _write_manifest(settings, dataset, [*manifests[dataset].values(), *new])
            log.info("bronze %s: ingested %s", dataset, ", ".join(raw.name for raw in files))
        rows = sum(entry.rows for entry in new)
        records.append(LineageRecord(run_id, "bronze", f"raw.{dataset}", f"bronze.{dataset}", rows, rows, 0))
    return records


def _rows(settings: Settings, target: str, raw: RawFile) -> int:
    folder = storage.join(target, f"{EXTRACT_NAME}={raw.stem}")
    return lake.count(settings, folder) if storage.exists(settings, folder) else 0
