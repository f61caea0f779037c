"""Demand forecasting: Prophet against the seasonal-naive baseline on the holdout weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.forecasting import complete_weeks, mape, smape
from ml.gold_tables import arrow_schema

HOLDOUT_WEEKS = 8


@pytest.fixture(scope="module")
def weekly_actuals(gold_table) -> pd.DataFrame:
    """Units sold per Monday-to-Sunday week (index) and category (columns), from gold with pandas."""
    sales = gold_table("fact_transaction").merge(gold_table("dim_product")[["product_id", "category"]], on="product_id")
    day = sales["transaction_ts"].dt.normalize()
    monday = day - pd.to_timedelta(day.dt.weekday, unit="D")
    weekly = sales.groupby([monday.rename("week_start"), "category"])["quantity"].sum().unstack(fill_value=0)
    # Only weeks whose Sunday is not after the last day of sales are complete.
    return weekly[weekly.index + pd.Timedelta(days=6) <= day.max()].astype(float)


@pytest.fixture(scope="module")
def forecast(gold_table) -> pd.DataFrame:
    table = gold_table("ml_demand_forecast")
    table["week_start"] = pd.to_datetime(table["week_start"])
    return table



@pytest.mark.e2e
@pytest.mark.spark
def test_forecast_covers_the_last_complete_weeks_of_every_category(forecast, weekly_actuals, gold_table):
    expected_weeks = list(weekly_actuals.index[-HOLDOUT_WEEKS:])
    categories = sorted(gold_table("dim_product")["category"].unique())
    assert sorted(forecast["category"].unique()) == categories
    for _, weeks in forecast.groupby("category"):
        assert sorted(weeks["week_start"]) == expected_weeks


@pytest.mark.e2e
@pytest.mark.spark
def test_baseline_is_the_same_week_one_year_earlier(forecast, weekly_actuals):
    for row in forecast.itertuples():
        assert row.baseline_units == weekly_actuals.loc[row.week_start - pd.Timedelta(weeks=52), row.category]


@pytest.mark.e2e
@pytest.mark.spark
def test_forecast_beats_seasonal_naive_on_the_aggregated_series(forecast, weekly_actuals):
    total = forecast.groupby("week_start")[["forecast_units", "baseline_units"]].sum()
    actual = weekly_actuals.sum(axis=1).loc[total.index].to_numpy()
    model_mape = np.mean(np.abs(total["forecast_units"].to_numpy() - actual) / actual)
    baseline_mape = np.mean(np.abs(total["baseline_units"].to_numpy() - actual) / actual)
    assert model_mape < baseline_mape


@pytest.mark.e2e
@pytest.mark.spark
def test_reported_metrics_match_the_written_forecast(ml_world, forecast, weekly_actuals):
    metrics = ml_world.summary.metrics["demand_forecast"]
    total = forecast.groupby("week_start")["forecast_units"].sum()
    actual = weekly_actuals.sum(axis=1).loc[total.index].to_numpy()
    assert metrics["total_mape"] == pytest.approx(np.mean(np.abs(total.to_numpy() - actual) / actual))
    electronics = forecast[forecast["category"] == "Electronics"].set_index("week_start")["forecast_units"]
    sold = weekly_actuals.loc[electronics.index, "Electronics"].to_numpy()
    assert metrics["Electronics.mape"] == pytest.approx(np.mean(np.abs(electronics.to_numpy() - sold) / sold))


@pytest.mark.e2e
@pytest.mark.spark
def test_forecast_rows_are_sane_and_shaped_like_the_ddl(ml_world, forecast):
    assert list(forecast.columns) == arrow_schema("ml_demand_forecast").names
    assert (forecast["forecast_units"] >= 0).all()
    assert (forecast["forecast_lower"] <= forecast["forecast_upper"]).all()
    assert (forecast["model_version"] == ml_world.summary.version).all()
    assert not forecast.duplicated(["category", "week_start"]).any()


@pytest.mark.unit
def test_complete_weeks_keep_only_full_monday_to_sunday_weeks():
    days = pd.date_range("2026-06-03", "2026-06-30", freq="D")  # a Wednesday to a Tuesday
    assert list(complete_weeks(days)) == [pd.Timestamp("2026-06-08"), pd.Timestamp("2026-06-15"),
                                          pd.Timestamp("2026-06-22")]


@pytest.mark.unit
def test_error_measures_on_hand_computed_values():
    forecast, actual = np.array([110.0, 90.0, 5.0]), np.array([100.0, 100.0, 0.0])
    assert mape(forecast, actual) == pytest.approx(0.10)  # the week without sales is left out
    assert smape(forecast, actual) == pytest.approx((20 / 210 + 20 / 190 + 2.0) / 3)
