"""ML outputs in gold and models in the registry, on a local folder and on an S3 endpoint (moto)."""

from __future__ import annotations

import datetime as dt
import io

import boto3
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs import storage
from jobs.errors import PlatformError
from jobs.serve import publication
from ml.gold_tables import arrow_schema, read_gold, read_truth, write_gold
from ml.model_registry import ModelRecord, load_model, models_uri, read_record, save_model

pytestmark = pytest.mark.unit

FORECAST = pd.DataFrame({
    "category": ["Toys", "Toys"],
    "week_start": [dt.date(2026, 6, 15), dt.date(2026, 6, 22)],
    "forecast_units": [120.5, 98.0],
    "forecast_lower": [100.0, 80.0],
    "forecast_upper": [140.0, 115.0],
    "baseline_units": [110.0, None],
    "model_version": ["v1", "v1"],
    "unrelated": [1, 2],  # not in the DDL: must not be written
})


@pytest.fixture
def s3_settings(local_settings, s3_endpoint):
    """Settings whose gold layer is a bucket on a moto S3 endpoint on a free loopback port."""
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="lake")
    settings = local_settings.model_copy(deep=True)
    settings.aws.endpoint_url = s3_endpoint
    settings.storage.gold_uri = "s3://lake/gold"
    settings.storage.truth_uri = "s3://lake/truth"
    return settings


@pytest.fixture(params=["local", "s3"])
def settings(request, local_settings):
    return local_settings if request.param == "local" else request.getfixturevalue("s3_settings")


def _files(settings, uri: str) -> list[str]:
    from pyarrow import fs

    filesystem, path = storage.filesystem(settings, uri)
    return sorted(info.base_name for info in filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True)))


def test_write_publishes_one_ddl_shaped_file_and_drops_the_old_folder(settings):
    in_place = storage.join(settings.layer_uri("gold"), "ml_demand_forecast")
    storage.write_bytes(settings, storage.join(in_place, "part-00007-old.snappy.parquet"), b"stale")
    storage.write_bytes(settings, storage.join(in_place, "_SUCCESS"), b"")

    assert write_gold(settings, "ml_demand_forecast", FORECAST, "v1") == 2

    folder = publication.table_uri(settings, "ml_demand_forecast")
    assert folder != in_place and _files(settings, in_place) == []
    assert _files(settings, folder) == ["part-00000.parquet"]
    written = pq.read_table(io.BytesIO(storage.read_bytes(settings, storage.join(folder, "part-00000.parquet"))))
    assert written.schema == arrow_schema("ml_demand_forecast")
    assert written.schema.field("week_start").type == pa.date32()
    back = read_gold(settings, "ml_demand_forecast")
    assert back["forecast_units"].tolist() == [120.5, 98.0]
    assert back["baseline_units"].isna().tolist() == [False, True]


def test_reading_a_missing_gold_table_is_a_one_line_error(settings):
    with pytest.raises(PlatformError, match=r"^gold table fact_transaction not found at .*: run `rtdp gold` first$"):
        read_gold(settings, "fact_transaction")


def test_truth_is_read_when_present_and_none_when_absent(settings):
    assert read_truth(settings, "anomalies") is None
    storage.write_bytes(settings, storage.join(settings.layer_uri("truth"), "anomalies.csv"),
                        b"transaction_id,anomaly_type\nT00000007,burst\n")
    assert read_truth(settings, "anomalies").to_dict("records") == [{"transaction_id": "T00000007",
                                                                      "anomaly_type": "burst"}]


def test_registry_round_trip(settings):
    record = ModelRecord(model="demand_forecast", version="v1", algorithm="Prophet per category", params={},
                         data_window={"train_end": "2026-05-03"}, metrics={"total_mape": 0.03},
                         training_seconds=1.5, artefact="model.json")
    folder = save_model(settings, record, '{"Toys": "{}"}')
    assert folder == storage.join(models_uri(settings), "demand_forecast", "v1")
    assert read_record(settings, "demand_forecast", "v1") == record
    assert load_model(settings, "demand_forecast", "v1") == '{"Toys": "{}"}'
    with pytest.raises(PlatformError, match="^model demand_forecast version v2 not found at "):
        read_record(settings, "demand_forecast", "v2")
