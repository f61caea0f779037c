"""Weekly demand per product category with Prophet, judged against a seasonal-naive baseline.

Holdout: the last HOLDOUT_WEEKS complete Monday-to-Sunday weeks of the data. Prophet is fitted
per category on the daily units sold before the first holdout Monday (daily, so it can learn
the weekday pattern; a "Christmas season" holiday window lets it learn the December peak from
less than two years of history), and its daily forecasts are summed into weeks. The baseline
is seasonal naive: the units of the same week one year (52 weeks) earlier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.errors import PlatformError

HOLDOUT_WEEKS = 8
BASELINE_LAG_WEEKS = 52
INTERVAL_WIDTH = 0.8  # forecast_lower / forecast_upper are the 10% and 90% quantiles
PROPHET_PARAMS = {
    "yearly_seasonality": 3,  # a few Fourier terms: smooth seasons, the sharp peak is the holiday
    "weekly_seasonality": 3,
    "daily_seasonality": False,
    # Trend changes may happen until shortly before the cut-off, so a recent bend is followed.
    "changepoint_range": 0.95,
    "interval_width": INTERVAL_WIDTH,
    "uncertainty_samples": 300,
}
# The weeks before Christmas and the first week of January, for every year of the data.
CHRISTMAS_WINDOW_DAYS = (-49, 14)
SAMPLING_SEED = 0
_DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class ForecastResult:
    """`table`: the ml_demand_forecast rows (without model_version) of the holdout weeks;
    `actuals`: units sold per category (columns) and holdout week (index); `models`: each
    category's fitted Prophet model as JSON; `metrics`: MAPE and sMAPE, model and baseline."""

    table: pd.DataFrame
    actuals: pd.DataFrame
    models: dict[str, str]
    metrics: dict[str, float]
    window: dict[str, str]


def daily_units(transactions: pd.DataFrame) -> pd.DataFrame:
    """Units sold per day (index, every day from the first to the last sale) and category (columns)."""
    day = transactions["transaction_ts"].dt.normalize()
    units = transactions.groupby([day, "category"])["quantity"].sum().unstack("category", fill_value=0)
    every_day = pd.date_range(units.index.min(), units.index.max(), freq="D")
    return units.reindex(every_day, fill_value=0).astype(float)


def complete_weeks(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Mondays of the weeks whose seven days all lie within `days`."""
    first_monday = days.min() + pd.Timedelta(days=(7 - days.min().weekday()) % 7)
    last_monday = days.max() - pd.Timedelta(days=6)
    return pd.date_range(first_monday, last_monday, freq="7D")


def weekly_totals(daily: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Units per week starting on each Monday of `weeks` (weeks outside the data sum to NaN)."""
    monday = daily.index - pd.to_timedelta(daily.index.weekday, unit="D")
    totals = daily.groupby(monday).sum()
    return totals.reindex(weeks)


def christmas_season(first_year: int, last_year: int) -> pd.DataFrame:
    """Prophet holidays frame: the Christmas shopping season of each year."""
    lower, upper = CHRISTMAS_WINDOW_DAYS
    return pd.DataFrame({
        "holiday": "christmas_season",
        "ds": pd.to_datetime([f"{year}-12-25" for year in range(first_year, last_year + 1)]),
        "lower_window": lower,
        "upper_window": upper,
    })


def mape(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute percentage error over the weeks with actual > 0."""
    sold = actual > 0
    return float(np.mean(np.abs(forecast[sold] - actual[sold]) / actual[sold]))


def smape(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Symmetric MAPE: mean of 2|f - a| / (|f| + |a|), weeks where both are 0 count as exact."""
    scale = np.abs(forecast) + np.abs(actual)
    error = np.divide(2 * np.abs(forecast - actual), scale, out=np.zeros_like(scale, dtype=float), where=scale > 0)
    return float(np.mean(error))


def _quiet_prophet() -> type:
    # Prophet reports at import that plotly (only needed for its plots) is missing.
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    # cmdstanpy logs every fit at INFO (its logger is set up on first use, hence get_logger);
    # Prophet warns that under two years of history make yearly seasonality uncertain, which
    # the holiday window and the holdout metrics address.
    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    return Prophet


def fit_category(daily: pd.Series, cutoff: pd.Timestamp, weeks: int,
                 holidays: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Fit Prophet on the days before `cutoff`; forecast `weeks` weeks from `cutoff` (a Monday).

    Returns the weekly forecast (week_start, forecast_units, forecast_lower, forecast_upper)
    and the model as Prophet JSON. Negative daily forecasts are cut to 0 before summing.
    """
    prophet_model = _quiet_prophet()
    from prophet.serialize import model_to_json

    history = daily[daily.index < cutoff]
    model = prophet_model(holidays=holidays, **PROPHET_PARAMS)
    model.fit(pd.DataFrame({"ds": history.index, "y": history.to_numpy()}))
    future = pd.DataFrame({"ds": pd.date_range(cutoff, periods=weeks * _DAYS_PER_WEEK, freq="D")})
    point = model.predict(future)["yhat"].clip(lower=0).to_numpy()
    np.random.seed(SAMPLING_SEED)  # Prophet draws its uncertainty samples from numpy's global generator
    samples = np.clip(model.predictive_samples(future)["yhat"], 0, None)
    weekly_samples = samples.reshape(weeks, _DAYS_PER_WEEK, -1).sum(axis=1)
    tail = (1 - INTERVAL_WIDTH) / 2
    forecast = pd.DataFrame({
        "week_start": pd.date_range(cutoff, periods=weeks, freq="7D"),
        "forecast_units": point.reshape(weeks, _DAYS_PER_WEEK).sum(axis=1),
        "forecast_lower": np.quantile(weekly_samples, tail, axis=1),
        "forecast_upper": np.quantile(weekly_samples, 1 - tail, axis=1),
    })
    return forecast, model_to_json(model)


def _accuracy(prefix: str, forecast: np.ndarray, baseline: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    return {
        f"{prefix}mape": mape(forecast, actual),
        f"{prefix}smape": smape(forecast, actual),
        f"{prefix}baseline_mape": mape(baseline, actual),
        f"{prefix}baseline_smape": smape(baseline, actual),
    }


def forecast_demand(transactions: pd.DataFrame, holdout_weeks: int = HOLDOUT_WEEKS) -> ForecastResult:
    """Forecast the last `holdout_weeks` complete weeks per category from the weeks before.

    `transactions` needs transaction_ts, category and quantity. Metrics compare model and
    baseline with the actual units: per category and for all categories summed ("total_").
    Raises PlatformError if there is not a year of history plus the holdout.
    """
    daily = daily_units(transactions)
    weeks = complete_weeks(daily.index)
    if len(weeks) < BASELINE_LAG_WEEKS + holdout_weeks:
        raise PlatformError(f"forecasting needs {BASELINE_LAG_WEEKS + holdout_weeks} complete weeks of sales, "
                            f"the data has {len(weeks)}")
    holdout = weeks[-holdout_weeks:]
    cutoff = holdout[0]
    actuals = weekly_totals(daily, holdout)
    baseline = weekly_totals(daily, holdout - pd.Timedelta(weeks=BASELINE_LAG_WEEKS))
    holidays = christmas_season(daily.index.min().year, holdout[-1].year + 1)

    rows, models, metrics = [], {}, {}
    for category in sorted(daily.columns):
        forecast, models[category] = fit_category(daily[category], cutoff, holdout_weeks, holidays)
        forecast.insert(0, "category", category)
        forecast["baseline_units"] = baseline[category].to_numpy()
        rows.append(forecast)
        metrics |= _accuracy(f"{category}.", forecast["forecast_units"].to_numpy(),
                             forecast["baseline_units"].to_numpy(), actuals[category].to_numpy())
    table = pd.concat(rows, ignore_index=True)
    table["week_start"] = table["week_start"].dt.date
    total = table.groupby("week_start")[["forecast_units", "baseline_units"]].sum()
    metrics |= _accuracy("total_", total["forecast_units"].to_numpy(), total["baseline_units"].to_numpy(),
                         actuals.sum(axis=1).to_numpy())
    window = {
        "train_start": str(daily.index.min().date()),
        "train_end": str((cutoff - pd.Timedelta(days=1)).date()),
        "holdout_start": str(cutoff.date()),
        "holdout_end": str((holdout[-1] + pd.Timedelta(days=6)).date()),
    }
    return ForecastResult(table=table, actuals=actuals, models=models, metrics=metrics, window=window)
