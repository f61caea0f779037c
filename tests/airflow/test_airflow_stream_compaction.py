"""The stream compaction DAG: one real `dag.test()` on the `local` environment compacts the
streamed folders of a lake laid out as the streaming job leaves it (no Spark: the files are
written here), and the rows read through jobs.stream.compaction are the same before and after."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.config import load_settings
from jobs.model.contracts import TRANSACTION
from jobs.stream.compaction import batch_files
from jobs.stream.layout import stream_layout
from jobs.stream.progress import BatchProgress, write_progress

pytestmark = pytest.mark.integration

DAG_ID = "platform_stream_compaction"
LAYERS = ("bronze", "silver", "gold", "quarantine")


def _ids(files: list[str]) -> list[str]:
    return sorted(pq.read_table(files).column("transaction_id").to_pylist())


def test_the_dag_compacts_every_streamed_folder_up_to_the_batch_before_the_last(airflow, tmp_path, monkeypatch):
    overrides = {f"RTDP_STORAGE__{layer.upper()}_URI": str(tmp_path / "lake" / layer) for layer in LAYERS}
    driver = dataclasses.replace(airflow, env={**airflow.env, **overrides})
    for name, value in {**overrides, "RTDP_HOME": str(airflow.platform_home)}.items():
        monkeypatch.setenv(name, value)
    settings = load_settings("local")
    layout = stream_layout(settings, "transactions", TRANSACTION)
    folders = [f"{layout.silver}/event_date=2026-11-20", f"{layout.bronze}/event_date=2026-11-20", layout.gold]
    for batch in range(4):  # four micro-batches; the last may still be run again
        for folder in folders:
            (target := tmp_path / folder / f"batch_id={batch}").mkdir(parents=True)
            pq.write_table(pa.table({"transaction_id": [f"T{batch}-{n}" for n in range(3)]}), target / "part-0.parquet")
    write_progress(settings, layout.progress, BatchProgress(batch_id=3, max_event_time=None, offsets={"0": 12},
                                                            finished_at=datetime(2026, 11, 20, 10, 0)))
    before = {folder: _ids(batch_files(settings, folder)) for folder in folders}

    run = driver.test_dag(DAG_ID, "2026-11-20T10:00:00+00:00", {"grace_seconds": 0})

    assert run.state == "success", run.log[-3000:]
    assert run.tasks == {"compact_stream": "success"}
    for folder in folders:
        files = batch_files(settings, folder)
        assert [file.removeprefix(folder) for file in files] == ["/batch_id=2/compacted-0-2.parquet", "/batch_id=3/part-0.parquet"]
        assert _ids(files) == before[folder]
