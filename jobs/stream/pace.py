"""The generated world's own pace: how many transactions a second it has at a given moment.

A live stream that continues the history should also keep its rhythm. The rate is counted from
the raw transactions: the mean daily volume of the last RECENT_DAYS days (trend and season as
they are now), times the weekday's multiplier and the hour's share of a day (UTC) over the
whole history. Counts are smoothed by one, so a quiet hour of a small world is slow, never silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.ingest import landing

RECENT_DAYS = 28
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class WorldPace:
    daily: float  # transactions a day, recently
    weekday: tuple[float, ...]  # Monday..Sunday: a day's volume relative to the mean day
    hour: tuple[float, ...]  # hours 0..23 (UTC): share of a day's transactions, summing to 1
    speed: float = 1.0  # 60: an hour of the world's traffic a minute

    def rate(self, moment: datetime) -> float:
        """Events a second at `moment` (UTC)."""
        return self.daily * self.weekday[moment.weekday()] * self.hour[moment.hour] * self.speed / SECONDS_PER_HOUR


def pace_of(timestamps: pd.Series, speed: float = 1.0) -> WorldPace:
    """The pace of a history given as its transactions' timestamps (naive UTC)."""
    days = timestamps.dt.normalize()
    first, last = days.min(), days.max()
    calendar = pd.date_range(first, last, freq="D")
    recent = (days > last - pd.Timedelta(days=RECENT_DAYS)).sum()
    daily = (recent + 1) / min(RECENT_DAYS, len(calendar))
    per_weekday = np.bincount(days.dt.weekday, minlength=7) + 1
    days_per_weekday = np.bincount(calendar.weekday, minlength=7).clip(min=1)
    weekday = per_weekday / days_per_weekday / (per_weekday.sum() / len(calendar))
    per_hour = np.bincount(timestamps.dt.hour, minlength=24) + 1
    return WorldPace(daily=float(daily), weekday=tuple(weekday.tolist()), hour=tuple((per_hour / per_hour.sum()).tolist()),
                     speed=speed)


def world_pace(settings: Settings, speed: float = 1.0) -> WorldPace:
    """The pace of the generated raw transactions; rows whose timestamp does not parse are left out."""
    if speed <= 0:
        raise PlatformError(f"--world-pace must be positive, got {speed}")
    text = landing.read_table(settings, "transactions").column("transaction_ts").to_pandas()
    timestamps = pd.to_datetime(text, errors="coerce", format="ISO8601").dropna()
    if timestamps.empty:
        raise PlatformError("the raw transactions have no valid timestamp: run `rtdp generate` first")
    return pace_of(timestamps, speed)
