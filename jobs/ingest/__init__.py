"""Ingest: extracts land in raw as a source system delivers them, and bronze keeps every row as received.

- `landing`: the raw landing zone, one file per dataset and extract date.
- `raw_contract`: the columns of every raw file.
- `bronze`: raw extracts -> bronze Parquet, each extract ingested once.
"""
