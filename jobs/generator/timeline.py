"""The fixed history window and the seasonal demand curves over it.

The window never depends on today's date, so the same seed and scale give the same files on
any day. Days are counted from the window start (day 0 = 2024-07-01); epoch conversions use
days since 1970-01-01 and seconds since 1970-01-01 00:00:00 UTC.
"""

from __future__ import annotations

import numpy as np

WINDOW_START = np.datetime64("2024-07-01", "D")
WINDOW_END = np.datetime64("2026-06-30", "D")  # last day with data, inclusive
WINDOW_DAYS = int((WINDOW_END - WINDOW_START).astype(int)) + 1
START_EPOCH_DAY = int(WINDOW_START.astype("datetime64[D]").astype(np.int64))
END_EPOCH_DAY = int(WINDOW_END.astype(np.int64))
SECONDS_PER_DAY = 86_400
# The source delivers a full extract as of this many days before the end, then one change file a day.
CHANGE_DAYS = 14
FULL_EXTRACT_EPOCH_DAY = END_EPOCH_DAY - CHANGE_DAYS

# Monday..Sunday multipliers: weekend uplift, a slightly busier Friday.
WEEKDAY_FACTOR = np.array([0.90, 0.90, 0.95, 1.00, 1.10, 1.35, 1.25])
# Volume grows by this fraction per year over the window.
YEARLY_TREND = 0.05


def window_days() -> np.ndarray:
    """Epoch day numbers of every day in the window, in order."""
    return START_EPOCH_DAY + np.arange(WINDOW_DAYS, dtype=np.int64)


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


def seasonal_intensity(december_peak: np.ndarray, summer_factor: np.ndarray) -> np.ndarray:
    """Relative demand of each category on each window day, shape (categories, WINDOW_DAYS).

    `december_peak[k]` is the multiplier of category k in mid-December, `summer_factor[k]`
    its multiplier in late July (below 1 a summer dip, above 1 a summer high). Weekday
    factors and the yearly trend apply to every category.
    """
    days = window_days()
    day_of_year = _day_of_year(days)
    december = _yearly_bump(day_of_year, peak_day=348, width_days=12.0)
    summer = _yearly_bump(day_of_year, peak_day=205, width_days=28.0)
    yearly = 1.0 + (december_peak[:, None] - 1.0) * december + (summer_factor[:, None] - 1.0) * summer
    trend = 1.0 + YEARLY_TREND * np.arange(WINDOW_DAYS) / 365.0
    return yearly * (WEEKDAY_FACTOR[day_of_week(days)] * trend)[None, :]
