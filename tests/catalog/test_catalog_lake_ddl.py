"""sql/ddl/lake.sql against what the real pipeline writes, so the catalog cannot drift.

One small run of the generator and the bronze and silver jobs; every Parquet folder of
bronze, silver and quarantine must have exactly the columns and types lake.sql declares, and
every raw file exactly the raw columns.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest

from jobs import lake
from jobs.config import load_settings
from jobs.generator import generate_raw
from jobs.ingest import landing
from jobs.ingest.bronze import run_bronze
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.tables import LAKE, table
from jobs.refine.conform import spark_schema
from jobs.refine.silver import run_silver

pytestmark = pytest.mark.spark
# A fixed world: the same data on any day (the default, today, has tests of its own).
NOW = date(2026, 7, 1)

@pytest.fixture(scope="module")
def pipeline_settings(spark, tmp_path_factory):
    """Local settings in a fresh folder after one run of generate -> bronze -> silver."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(tmp_path_factory.mktemp("lake")))
        settings = load_settings("local")
        generate_raw(settings, transactions=1_000, seed=7, now=NOW)
        run_bronze(settings, spark, "catalog-test")
        run_silver(settings, spark, "catalog-test")
        yield settings


def written_schema(spark, settings, layer, dataset):
    frame = lake.read_dataset(settings, spark, layer, dataset)
    return [(field.name, field.dataType) for field in frame.schema.fields]


def declared_schema(layer, dataset):
    return [(field.name, field.dataType) for field in spark_schema(table(f"{layer}_{dataset}", LAKE)).fields]


@pytest.mark.parametrize("layer", ["bronze", "silver", "quarantine"])
def test_parquet_columns_and_types_match_lake_ddl(spark, pipeline_settings, layer):
    for dataset in RAW_COLUMNS:
        assert written_schema(spark, pipeline_settings, layer, dataset) == declared_schema(layer, dataset), dataset


def test_raw_files_have_exactly_the_declared_columns(pipeline_settings):
    for dataset, columns in RAW_COLUMNS.items():
        declared = table(f"raw_{dataset}", LAKE).columns
        extracts = landing.extracts(pipeline_settings, dataset)
        assert extracts, dataset
        for extract in extracts:
            with open(extract.uri, newline="", encoding="utf-8") as raw:
                header = tuple(next(csv.reader(raw)))
            assert header == columns == tuple(column.name for column in declared)
        assert {column.sql_type for column in declared} == {"VARCHAR"}
