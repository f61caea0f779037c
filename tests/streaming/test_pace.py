"""The world's pace: the live stream's rate counted from the generated history."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from jobs.errors import PlatformError
from jobs.generator import generate_raw
from jobs.ingest import landing
from jobs.stream.pace import pace_of, world_pace

pytestmark = pytest.mark.unit


def _four_weeks() -> pd.Series:
    """2026-01-05 (a Monday) to 2026-02-01 (a Sunday): two sales at 10h on weekdays, four at
    20h on Saturdays, one at 15h on Sundays."""
    moments = []
    for day in pd.date_range("2026-01-05", "2026-02-01", freq="D"):
        if day.weekday() < 5:
            moments += [day + pd.Timedelta(hours=10, minutes=5), day + pd.Timedelta(hours=10, minutes=40)]
        elif day.weekday() == 5:
            moments += [day + pd.Timedelta(hours=20, minutes=m) for m in (1, 2, 3, 4)]
        else:
            moments.append(day + pd.Timedelta(hours=15))
    return pd.Series(moments)


def test_the_rate_is_the_recent_day_times_the_weekday_and_the_hour_share():
    pace = pace_of(_four_weeks())
    # 60 sales in 28 days, each count smoothed by one: (60 + 1) / 28 a day.
    daily = 61 / 28
    # Per weekday (smoothed): Monday (8 + 1) / 4 days, Saturday (16 + 1) / 4, Sunday (4 + 1) / 4,
    # over the mean day (60 + 7) / 28.
    mean_day = 67 / 28
    assert pace.weekday[0] == pytest.approx(9 / 4 / mean_day)
    assert pace.weekday[5] == pytest.approx(17 / 4 / mean_day)
    assert pace.weekday[6] == pytest.approx(5 / 4 / mean_day)
    # Per hour (smoothed): 40 sales at 10h, 16 at 20h, 4 at 15h, none else: (count + 1) / (60 + 24).
    assert pace.hour[10] == pytest.approx(41 / 84) and pace.hour[20] == pytest.approx(17 / 84)
    assert pace.hour[3] == pytest.approx(1 / 84) and sum(pace.hour) == pytest.approx(1)
    saturday_evening = datetime(2026, 2, 7, 20, 30)
    assert pace.rate(saturday_evening) == pytest.approx(daily * (17 / 4 / mean_day) * (17 / 84) / 3600)
    sunday_night = datetime(2026, 2, 8, 3, 0)
    assert 0 < pace.rate(sunday_night) < pace.rate(saturday_evening) / 50
    assert pace_of(_four_weeks(), speed=60).rate(saturday_evening) == pytest.approx(60 * pace.rate(saturday_evening))


def test_the_world_pace_counts_the_last_four_weeks_of_the_raw_transactions(tmp_path, monkeypatch):
    from jobs.config import load_settings

    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")
    generate_raw(settings, transactions=5_000, seed=4)
    text = landing.read_table(settings, "transactions").to_pandas()["transaction_ts"]
    moments = pd.to_datetime(text, errors="coerce", format="ISO8601").dropna()
    assert len(moments) < len(text)  # the planted bad timestamps are left out, not fatal
    recent = (moments >= moments.max().normalize() - pd.Timedelta(days=27)).sum()
    assert world_pace(settings).daily == pytest.approx((recent + 1) / 28)


def test_a_world_without_transactions_or_a_speed_below_zero_is_one_clear_error(tmp_path, monkeypatch):
    from jobs.config import load_settings

    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    settings = load_settings("local")
    with pytest.raises(PlatformError, match="must be positive"):
        world_pace(settings, speed=0)
    with pytest.raises(PlatformError):
        world_pace(settings)
