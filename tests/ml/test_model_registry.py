"""The model registry: where it lives, what it stores, and that stored models reproduce their scores."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ml.anomalies import anomaly_features
from ml.data import load_gold
from ml.model_registry import ModelRecord, load_model, models_uri, new_version, read_record, save_model

MODELS = ("demand_forecast", "anomaly_detection", "churn", "customer_segments", "cross_sell")


def _with_gold(settings, gold_uri: str):
    changed = settings.model_copy(deep=True)
    changed.storage.gold_uri = gold_uri
    return changed


@pytest.mark.unit
def test_registry_sits_beside_the_gold_layer(local_settings):
    assert models_uri(local_settings) == str(Path(local_settings.layer_uri("gold")).parent / "models")
    assert models_uri(_with_gold(local_settings, "s3://rtdp-dev-gold/gold")) == "s3://rtdp-dev-gold/models"
    assert models_uri(_with_gold(local_settings, "s3://lake/prod/gold/")) == "s3://lake/prod/models"
    assert models_uri(_with_gold(local_settings, "s3://gold-bucket")) == "s3://gold-bucket/models"


@pytest.mark.unit
def test_versions_sort_by_time_and_are_unique():
    earlier = new_version(dt.datetime(2026, 6, 30, 8, 0, 0, tzinfo=dt.UTC))
    later = new_version(dt.datetime(2026, 6, 30, 9, 0, 0, tzinfo=dt.UTC))
    assert earlier.startswith("20260630T080000Z-") and earlier < later
    assert new_version() != new_version()


@pytest.mark.unit
def test_a_saved_model_comes_back_with_its_record(local_settings):
    features, labels = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    model = LogisticRegression().fit(features, labels)
    record = ModelRecord(model="demo", version="v1", algorithm="logistic regression", params={"C": 1.0},
                         data_window={"train_start": "2026-01-01", "train_end": "2026-03-31"},
                         metrics={"roc_auc": 1.0}, training_seconds=0.01)
    folder = save_model(local_settings, record, model)
    assert folder.endswith("/models/demo/v1")
    assert read_record(local_settings, "demo", "v1") == record
    np.testing.assert_array_equal(load_model(local_settings, "demo", "v1").predict_proba(features),
                                  model.predict_proba(features))


@pytest.mark.e2e
@pytest.mark.spark
def test_every_model_of_the_run_is_registered_with_window_and_metrics(ml_world):
    summary = ml_world.summary
    assert sorted(summary.runs) == sorted(MODELS)
    for model in MODELS:
        record = read_record(ml_world.settings, model, summary.version)
        assert record.version == summary.version
        assert record.data_window and record.params
        assert record.metrics == pytest.approx(summary.metrics[model], nan_ok=True)
        assert record.training_seconds > 0


@pytest.mark.e2e
@pytest.mark.spark
def test_stored_anomaly_model_reproduces_the_written_scores(ml_world, gold_table):
    forest = load_model(ml_world.settings, "anomaly_detection", ml_world.summary.version)
    transactions = load_gold(ml_world.settings).transactions
    rescored = pd.Series(-forest.score_samples(anomaly_features(transactions).to_numpy()),
                         index=transactions["transaction_id"])
    written = gold_table("ml_anomaly_scores").set_index("transaction_id")["anomaly_score"]
    np.testing.assert_allclose(rescored.loc[written.index].to_numpy(), written.to_numpy())


@pytest.mark.e2e
@pytest.mark.spark
def test_stored_forecast_models_are_prophet_json_per_category(ml_world, gold_table):
    from prophet.serialize import model_from_json

    models = json.loads(load_model(ml_world.settings, "demand_forecast", ml_world.summary.version))
    assert sorted(models) == sorted(gold_table("dim_product")["category"].unique())
    electronics = model_from_json(models["Electronics"])
    assert electronics.history["ds"].max() < pd.Timestamp(
        read_record(ml_world.settings, "demand_forecast", ml_world.summary.version).data_window["holdout_start"])
