"""Reading what the jobs wrote, with plain Python: the events file and the raw CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq


def read_event_lines(path: Path) -> list[dict]:
    """Every line of the events file as JSON, parsed with plain json (not the code under test)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def csv_rows(path: Path) -> int:
    """Data records of a CSV file (header excluded; quoted line breaks stay in their record)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def parquet_rows(folder: Path) -> int:
    """Rows of a Parquet folder, from pyarrow's reader."""
    return pq.ParquetDataset(folder).read().num_rows
