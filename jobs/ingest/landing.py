"""The raw landing zone: extract files the way a source system delivers them.

    <raw>/<dataset>/<dataset>_<YYYY-MM-DD>.csv    one file per dataset and extract date
    <raw>/_world.json                             the seed, scale and last day of generated data

The first extract of a dataset is a full extract (every row as of that date); each later one
is a change file that carries only the rows that are new or changed since the extract before.
An extract is never changed once delivered: a correction comes as a later extract.
Files are UTF-8 CSV as jobs.ingest.raw_contract describes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date

import pyarrow as pa
from pyarrow import csv, fs

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest.raw_contract import RAW_COLUMNS

_EXTRACT_NAME = re.compile(r"^(?P<dataset>[a-z_]+)_(?P<day>\d{4}-\d{2}-\d{2})\.csv$")


@dataclass(frozen=True)
class Extract:
    """One delivered extract file of a dataset."""

    dataset: str
    day: date
    uri: str

    @property
    def name(self) -> str:
        return extract_name(self.dataset, self.day)


def extract_name(dataset: str, day: date) -> str:
    return f"{dataset}_{day.isoformat()}.csv"


def dataset_uri(settings: Settings, dataset: str) -> str:
    """`<raw>/<dataset>/`: the folder of a dataset's extracts."""
    return storage.join(settings.layer_uri("raw"), dataset)


def extract_uri(settings: Settings, dataset: str, day: date) -> str:
    return storage.join(dataset_uri(settings, dataset), extract_name(dataset, day))


def extracts(settings: Settings, dataset: str) -> list[Extract]:
    """Every extract of `dataset` in the landing zone, oldest first; files of other names are
    not extracts and are left alone."""
    folder = dataset_uri(settings, dataset)
    filesystem, path = storage.filesystem(settings, folder)
    found = []
    for info in filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True)):
        match = _EXTRACT_NAME.match(info.base_name)
        if info.type == fs.FileType.File and match and match["dataset"] == dataset:
            found.append(Extract(dataset, date.fromisoformat(match["day"]), storage.join(folder, info.base_name)))
    return sorted(found, key=lambda extract: extract.day)


def require_extracts(settings: Settings, dataset: str) -> list[Extract]:
    """extracts(), or PlatformError when the landing zone has none of `dataset`."""
    found = extracts(settings, dataset)
    if not found:
        raise PlatformError(f"no {dataset} extracts in {dataset_uri(settings, dataset)}: run `rtdp generate` first")
    return found


def read_batches(settings: Settings, dataset: str) -> Iterator[pa.RecordBatch]:
    """Every row of every extract of `dataset`, oldest extract first, in batches; each contract
    column as text exactly as delivered (an empty field is an empty string)."""
    columns = list(RAW_COLUMNS[dataset])
    options = csv.ConvertOptions(column_types=dict.fromkeys(columns, pa.string()), include_columns=columns,
                                 strings_can_be_null=False)
    for extract in require_extracts(settings, dataset):
        filesystem, path = storage.filesystem(settings, extract.uri)
        with csv.open_csv(filesystem.open_input_stream(path), convert_options=options) as reader:
            yield from reader


def read_table(settings: Settings, dataset: str) -> pa.Table:
    """read_batches as one table."""
    schema = pa.schema([(column, pa.string()) for column in RAW_COLUMNS[dataset]])
    return pa.Table.from_batches(list(read_batches(settings, dataset)), schema=schema)


@dataclass(frozen=True)
class World:
    """What generated the data in the landing zone: the same seed, scale and last day give the
    same files."""

    seed: int
    transactions: int
    last_day: str  # ISO date of the history's last day

    def __str__(self) -> str:
        return f"seed {self.seed}, {self.transactions:,} transactions to {self.last_day}"


WORLD_FILE = "_world.json"


def world(settings: Settings) -> World | None:
    """The world of the generated data in the landing zone; None if nothing generated it."""
    uri = storage.join(settings.layer_uri("raw"), WORLD_FILE)
    if not storage.exists(settings, uri):
        return None
    recorded = json.loads(storage.read_bytes(settings, uri))
    return World(**{"last_day": "an unrecorded day"} | recorded)  # recorded before worlds had one


def record_world(settings: Settings, generated: World) -> None:
    storage.replace_bytes(settings, storage.join(settings.layer_uri("raw"), WORLD_FILE),
                          json.dumps(asdict(generated)).encode())
