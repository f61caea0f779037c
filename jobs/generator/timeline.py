"""The history window and the seasonal demand curves over it.

The history is the two years that end the day before "now" (by default today, in UTC), so live
events stamped with the current time continue it. The same seed, scale and "now" give the same
files. Window days count from the window's first day (day 0); epoch conversions use days since
1970-01-01 and seconds since 1970-01-01 00:00:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

WINDOW_DAYS = 730  # two years of history
SECONDS_PER_DAY = 86_400
# The source delivers a full extract as of this many days before the end, then one change file a day.
CHANGE_DAYS = 14

# Monday..Sunday multipliers: weekend uplift, a slightly busier Friday.
WEEKDAY_FACTOR = np.array([0.90, 0.90, 0.95, 1.00, 1.10, 1.35, 1.25])
# Volume grows by this fraction per year over the window.
YEARLY_TREND = 0.05
_EPOCH = date(1970, 1, 1)


def epoch_day(day: date) -> int:
    return (day - _EPOCH).days


def epoch_date(day: int) -> date:
    return _EPOCH + timedelta(days=int(day))


@dataclass(frozen=True)
class Timeline:
    """The days of one generated history: WINDOW_DAYS days ending the day before `now`."""

    now: date

    @classmethod
    def ending_before(cls, now: date | None = None) -> Timeline:
        """The history that ends yesterday (UTC), or the day before `now`."""
        return cls(now or datetime.now(UTC).date())

    @property
    def end(self) -> int:
        """Epoch day of the last day with data."""
        return epoch_day(self.now) - 1

    @property
    def start(self) -> int:
        """Epoch day of window day 0."""
        return self.end - WINDOW_DAYS + 1

    @property
    def full_extract(self) -> int:
        """Epoch day of the full extract; a change file follows for each later day."""
        return self.end - CHANGE_DAYS

    def days(self) -> np.ndarray:
        """Epoch day numbers of every day in the window, in order."""
        return self.start + np.arange(WINDOW_DAYS, dtype=np.int64)

    def seasonal_intensity(self, december_peak: np.ndarray, summer_factor: np.ndarray) -> np.ndarray:
        """Relative demand of each category on each window day, shape (categories, WINDOW_DAYS).

        `december_peak[k]` is the multiplier of category k in mid-December, `summer_factor[k]`
        its multiplier in late July (below 1 a summer dip, above 1 a summer high). Weekday
        factors and the yearly trend apply to every category.
        """
        days = self.days()
        day_of_year = _day_of_year(days)
        december = _yearly_bump(day_of_year, peak_day=348, width_days=12.0)
        summer = _yearly_bump(day_of_year, peak_day=205, width_days=28.0)
        yearly = 1.0 + (december_peak[:, None] - 1.0) * december + (summer_factor[:, None] - 1.0) * summer
        trend = 1.0 + YEARLY_TREND * np.arange(WINDOW_DAYS) / 365.0
        return yearly * (WEEKDAY_FACTOR[day_of_week(days)] * trend)[None, :]


def day_of_week(epoch_days: np.ndarray) -> np.ndarray:
    """0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday)."""
    return (epoch_days + 3) % 7


def _day_of_year(epoch_days: np.ndarray) -> np.ndarray:
    dates = epoch_days.astype("datetime64[D]")
    return (dates - dates.astype("datetime64[Y]")).astype(np.int64)


def _yearly_bump(day_of_year: np.ndarray, peak_day: int, width_days: float) -> np.ndarray:
    """A smooth bump that is 1 on `peak_day` and fades with the circular distance from it."""
    distance = np.abs(day_of_year - peak_day)
    distance = np.minimum(distance, 365 - distance)
    return np.exp(-0.5 * (distance / width_days) ** 2)
