"""The batch pipeline in the dev environment: S3 buckets on the AWS emulator instead of folders.

The same seed run in `local` and in `dev` must give the same report figures: storage is the
only thing that differs between the two.
"""

from __future__ import annotations

import uuid
from datetime import date

import pandas as pd
import pytest

from jobs import storage
from jobs.config import Settings, load_settings
from jobs.generator import generate_raw
from jobs.pipeline import run_pipeline
from jobs.serve import publication
from jobs.serve.reports import run_reports
from jobs.serve.warehouse import build_warehouse

pytestmark = [pytest.mark.integration, pytest.mark.spark]
# A fixed world: the same data on any day (the default, today, has tests of its own).
NOW = date(2026, 7, 1)

SCALE = 2_000
SEED = 11
LAYERS = ("raw", "bronze", "silver", "gold", "quarantine", "truth")
# Reports whose figures depend only on the data (report 10 also names the storage locations).
DATA_REPORTS = ("01", "02", "03", "04", "05", "06")


def _run_everything(settings: Settings) -> dict[str, pd.DataFrame]:
    generate_raw(settings, transactions=SCALE, seed=SEED, now=NOW)
    run_pipeline(settings, run_id=f"20250101T000000-{settings.env}")
    build_warehouse(settings)
    result = run_reports(settings)
    return {report.name[:2]: pd.read_csv(report.csv_path) for report in result.reports}


@pytest.fixture
def dev_settings(local_stack, tmp_path) -> Settings:
    """Dev settings with every layer under a fresh prefix of the dev buckets."""
    prefix = f"tests/{uuid.uuid4().hex[:8]}"
    layers = {f"{layer}_uri": storage.join(local_stack.layer_uri(layer), prefix) for layer in LAYERS}
    warehouse = {"path": str(tmp_path / "dev" / "warehouse.duckdb"), "reports_dir": str(tmp_path / "dev" / "reports")}
    return local_stack.model_copy(deep=True, update={
        "storage": local_stack.storage.model_copy(update=layers),
        "warehouse": local_stack.warehouse.model_copy(update=warehouse),
    })


def test_dev_run_on_the_emulator_matches_the_local_run(dev_settings, spark, tmp_path, monkeypatch):
    dev_reports = _run_everything(dev_settings)
    # Gold is published on S3 as on disk: a pointer naming the folder of the run's tables.
    published = publication.current(dev_settings)
    assert published is not None and "fact_transaction" in published.tables
    assert storage.exists(dev_settings, publication.table_uri(dev_settings, "fact_transaction"))

    monkeypatch.setenv("RTDP_HOME", str(tmp_path / "local"))
    local_reports = _run_everything(load_settings("local"))

    for report in DATA_REPORTS:
        assert len(dev_reports[report]) > 0, report
        pd.testing.assert_frame_equal(dev_reports[report], local_reports[report], obj=f"report {report}")
