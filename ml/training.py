"""Train and score all five use cases on gold, write their outputs to gold, register the models.

Outputs (exactly the columns of sql/ddl): `<gold>/ml_demand_forecast/`, `<gold>/ml_anomaly_scores/`,
`<gold>/ml_cross_sell/`, and a new version of `<gold>/fact_customer_behavior/` with churn,
segment and cross-sell columns filled. Every row carries the run's model version, the folder
name of the models under `<models>/<model>/<version>/`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from jobs.config import Settings
from jobs.trust.lineage.emit import job_run
from ml import anomalies, churn, cross_sell, forecasting, segmentation
from ml.data import GoldData, load_gold
from ml.gold_tables import read_truth, write_gold
from ml.model_registry import ModelRecord, Stopwatch, new_version, save_model

# The gold tables ml.data.load_gold reads: the inputs of the training run's lineage.
GOLD_INPUTS = ("gold.fact_transaction", "gold.dim_product", "gold.bridge_customer_account", "gold.fact_customer_behavior")


@dataclass(frozen=True)
class ModelRun:
    """One trained model: its metrics, how long training and scoring took, where it is stored."""

    model: str
    algorithm: str
    metrics: dict[str, float]
    training_seconds: float
    registry_uri: str


@dataclass(frozen=True)
class MLSummary:
    version: str
    runs: dict[str, ModelRun]
    rows_written: dict[str, int]  # gold table -> rows

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        return {name: run.metrics for name, run in self.runs.items()}


class _Run:
    """Collects the models of one training run under one version id."""

    def __init__(self, settings: Settings, version: str) -> None:
        self.settings = settings
        self.version = version
        self.runs: dict[str, ModelRun] = {}
        self.rows_written: dict[str, int] = {}

    def timed(self, use_case: Callable[[], Any]) -> tuple[Any, float]:
        with Stopwatch() as watch:
            result = use_case()
        return result, watch.seconds

    def register(self, model_name: str, algorithm: str, model: Any, params: dict[str, Any], window: dict[str, str],
                 metrics: dict[str, float], seconds: float, artefact: str = "model.joblib") -> None:
        record = ModelRecord(model=model_name, version=self.version, algorithm=algorithm, params=params,
                             data_window=window, metrics=metrics, training_seconds=seconds, artefact=artefact)
        uri = save_model(self.settings, record, model)
        self.runs[model_name] = ModelRun(model_name, algorithm, metrics, seconds, uri)

    def write(self, table: str, frame: pd.DataFrame) -> None:
        self.rows_written[table] = write_gold(self.settings, table, frame.assign(model_version=self.version), self.version)


def _data_window(transactions: pd.DataFrame) -> dict[str, str]:
    return {"data_start": str(transactions["transaction_ts"].min().date()),
            "data_end": str(transactions["transaction_ts"].max().date())}


def _forecast(run: _Run, data: GoldData) -> None:
    result, seconds = run.timed(lambda: forecasting.forecast_demand(data.transactions))
    run.register("demand_forecast", "Prophet per category", json.dumps(result.models),
                 {"prophet": forecasting.PROPHET_PARAMS, "holdout_weeks": forecasting.HOLDOUT_WEEKS,
                  "baseline": f"seasonal naive, {forecasting.BASELINE_LAG_WEEKS} weeks earlier",
                  "christmas_window_days": list(forecasting.CHRISTMAS_WINDOW_DAYS)},
                 result.window, result.metrics, seconds, artefact="model.json")
    run.write("ml_demand_forecast", result.table)


def _anomalies(run: _Run, data: GoldData, truth: pd.DataFrame | None) -> None:
    result, seconds = run.timed(lambda: anomalies.detect_anomalies(data.transactions))
    metrics = dict(result.metrics)
    if truth is not None:  # judged after training; the model never saw it
        metrics |= anomalies.recall_against_truth(result.scores, truth)
    run.register("anomaly_detection", "Isolation Forest", result.model,
                 {"forest": anomalies.FOREST_PARAMS, "features": list(anomalies.FEATURES),
                  "flag_share": anomalies.FLAG_SHARE}, _data_window(data.transactions), metrics, seconds)
    run.write("ml_anomaly_scores", result.scores)


def _churn(run: _Run, data: GoldData, purchases: pd.DataFrame) -> pd.DataFrame:
    customers = pd.Index(data.behavior["customer_id"])
    result, seconds = run.timed(lambda: churn.predict_churn(purchases, customers))
    run.register("churn", "HistGradientBoosting + isotonic calibration", result.model,
                 {"classifier": churn.CLASSIFIER_PARAMS, "calibration": churn.CALIBRATION,
                  "horizon_days": churn.HORIZON_DAYS, "active_days": churn.ACTIVE_DAYS,
                  "features": list(churn.FEATURES), "flag_threshold": churn.FLAG_THRESHOLD},
                 result.window, result.metrics, seconds)
    return result.scores


def _segments(run: _Run, data: GoldData, purchases: pd.DataFrame) -> pd.Series:
    result, seconds = run.timed(lambda: segmentation.segment_customers(data.behavior, purchases))
    artefact = {"pipeline": result.model, "names": result.names, "profiles": result.profiles}
    run.register("customer_segments", "K-Means", artefact,
                 {"k_range": list(segmentation.K_RANGE), "random_state": segmentation.RANDOM_STATE,
                  "features": list(segmentation.FEATURES)},
                 {"as_of_date": str(data.behavior["as_of_date"].max())}, result.metrics, seconds)
    return result.segments


def _cross_sell(run: _Run, data: GoldData, purchases: pd.DataFrame, pairs: pd.DataFrame | None) -> pd.DataFrame:
    result, seconds = run.timed(lambda: cross_sell.recommend_products(purchases))
    metrics = dict(result.metrics)
    if pairs is not None:
        metrics |= cross_sell.affinity_hit_rate(result.recommendations, purchases, pairs)
    run.register("cross_sell", "item-item cosine similarity", result.model,
                 {"top_n": cross_sell.TOP_N, "score": "max similarity to an owned product"},
                 _data_window(data.transactions), metrics, seconds)
    run.write("ml_cross_sell", result.recommendations)
    return result.recommendations


def customer_behavior(behavior: pd.DataFrame, churn_scores: pd.DataFrame, segments: pd.Series,
                      recommendations: pd.DataFrame) -> pd.DataFrame:
    """fact_customer_behavior with the ML columns filled (model_version is added on writing)."""
    recommended = recommendations.groupby("customer_id").size()
    scores = churn_scores.set_index("customer_id")
    ids = behavior["customer_id"]
    return behavior.assign(
        churn_flag=ids.map(scores["churn_flag"]).astype(bool).to_numpy(),
        churn_score=ids.map(scores["churn_score"]).to_numpy(),
        segment=ids.map(segments).to_numpy(),
        cross_sell_candidates=ids.map(recommended).fillna(0).astype(int).to_numpy(),
    )


def train_and_score(settings: Settings, version: str | None = None) -> MLSummary:
    """Run forecasting, anomaly detection, churn, segmentation and cross-sell on the gold layer.

    Reads gold (PlatformError if it is missing), writes the ML tables and the new
    fact_customer_behavior to gold, stores every model under `<models>/<model>/<version>/`.
    Where the generator's truth files exist, they judge the anomaly and cross-sell models.
    Emits an `ml.train_and_score` lineage run: the gold inputs -> the gold tables written.
    """
    with job_run(settings, "ml.train_and_score", GOLD_INPUTS) as lineage:
        data = load_gold(settings)
        run = _Run(settings, version or new_version())
        purchases = data.purchases()
        # One native thread: on small or shared machines, OpenMP threads spinning for busy cores
        # made scikit-learn's boosting and K-Means many times slower, while the data is small.
        with threadpool_limits(limits=1):
            _forecast(run, data)
            _anomalies(run, data, read_truth(settings, "anomalies"))
            churn_scores = _churn(run, data, purchases)
            segments = _segments(run, data, purchases)
            recommendations = _cross_sell(run, data, purchases, read_truth(settings, "affinities"))
        run.write("fact_customer_behavior", customer_behavior(data.behavior, churn_scores, segments, recommendations))
        for table, rows in run.rows_written.items():
            lineage.output(f"gold.{table}", rows=rows)
    return MLSummary(version=run.version, runs=run.runs, rows_written=run.rows_written)
