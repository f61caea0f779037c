"""What each dashboard page shows, computed from one snapshot (jobs.serve.dashboard.snapshot).

Plain functions of a snapshot and the time they count as now, so tests compare them with figures
of their own and the app only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from jobs.serve.dashboard.snapshot import Snapshot, StreamPosition
from jobs.serve.reports.definitions import ReportDefinition
from jobs.stream.status import WINDOW, Activity, activity

# The live chart's span.
RECENT_MINUTES = 30
# Report columns a page offers as filters, with their labels; a report filters on those it has.
FILTERS = {"category": "Category", "warehouse_id": "Warehouse", "customer_type": "Customer type"}


@dataclass(frozen=True)
class Overview:
    """The overview page: today so far, the live stream and what was set aside."""

    now: datetime
    revenue_today: float
    weekday_average: float | None  # mean revenue of earlier same weekdays up to the same time of day
    weekday_days: int  # how many earlier same weekdays that mean is over
    events_last_minute: int  # records produced in the 60 s up to now
    events_per_minute: pd.DataFrame  # minute, events: records produced in the last RECENT_MINUTES
    stream: StreamPosition
    stream_last_minute: Activity  # what the stream did in the minute up to now, as `rtdp stream status` shows it
    warehouse_built_at: datetime
    dead_letters: dict[str, int] = field(default_factory=dict)  # reason -> events the stream rejected
    quarantine: dict[str, int] = field(default_factory=dict)  # reason -> rows the batch path set aside

    @property
    def freshness(self) -> timedelta | None:
        """How old the newest event that reached silver is."""
        newest = self.stream.newest_event_time
        return self.now - newest if newest else None


def _counts(snapshot: Snapshot, sql: str) -> dict[str, int]:
    return {reason: int(count) for reason, count in snapshot.connection.execute(sql).fetchall()}


def overview(snapshot: Snapshot, now: datetime) -> Overview:
    """The overview at `now` (naive UTC, as the lake's timestamps)."""
    midnight = datetime(now.year, now.month, now.day)
    revenue_today = snapshot.connection.execute(
        "SELECT coalesce(sum(amount), 0) FROM live_transactions WHERE transaction_ts >= ? AND transaction_ts <= ?",
        [midnight, now]).fetchone()[0]
    average, days = snapshot.connection.execute(
        "SELECT avg(revenue), count(*) FROM (SELECT CAST(transaction_ts AS DATE) AS day, "
        "coalesce(sum(amount) FILTER (WHERE CAST(transaction_ts AS TIME) <= CAST(? AS TIME)), 0) AS revenue "
        "FROM live_transactions WHERE transaction_ts < ? AND isodow(transaction_ts) = isodow(CAST(? AS TIMESTAMP)) "
        "GROUP BY day)", [now, midnight, now]).fetchone()
    per_minute = snapshot.frame(
        "SELECT date_trunc('minute', kafka_timestamp) AS minute, count(*) AS events FROM stream_records "
        "WHERE kafka_timestamp > ? AND kafka_timestamp <= ? GROUP BY minute ORDER BY minute",
        [now - timedelta(minutes=RECENT_MINUTES), now])
    last_minute = snapshot.connection.execute(
        "SELECT count(*) FROM stream_records WHERE kafka_timestamp > ? AND kafka_timestamp <= ?",
        [now - timedelta(minutes=1), now]).fetchone()[0]
    return Overview(
        now=now,
        revenue_today=float(revenue_today),
        weekday_average=float(average) if average is not None else None,
        weekday_days=int(days),
        events_last_minute=int(last_minute),
        events_per_minute=per_minute,
        stream=snapshot.stream,
        stream_last_minute=activity([batch for batch in snapshot.stream.recent if now - WINDOW <= batch.finished_at <= now],
                                    WINDOW),
        warehouse_built_at=snapshot.built_at,
        dead_letters=_counts(snapshot, "SELECT reason, count(*) FROM stream_rejects GROUP BY reason ORDER BY reason"),
        quarantine=_counts(snapshot, "SELECT reason, count(*) FROM quarantine GROUP BY reason ORDER BY reason"),
    )


def report_frame(snapshot: Snapshot, report: ReportDefinition) -> pd.DataFrame:
    """The rows of one report on the snapshot's warehouse."""
    return snapshot.frame(report.sql)


def time_column(frame: pd.DataFrame) -> str | None:
    """The first column of dates or times: what a report's date range filters and its chart runs along."""
    return next((name for name in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[name])), None)


def filter_choices(frame: pd.DataFrame) -> dict[str, list[str]]:
    """For each filter column the report has, the values it can be narrowed to."""
    return {column: sorted(frame[column].dropna().astype(str).unique()) for column in FILTERS if column in frame.columns}


def apply_filters(frame: pd.DataFrame, chosen: dict[str, list[str]],
                  period: tuple[datetime, datetime] | None = None) -> pd.DataFrame:
    """The rows whose filter columns hold one of the chosen values (no choice keeps every row) and,
    with `period`, whose time column falls in it (both ends included)."""
    keep = pd.Series(True, index=frame.index)
    for column, values in chosen.items():
        if values:
            keep &= frame[column].astype(str).isin(values)
    column = time_column(frame)
    if period and column:
        start, end = (pd.Timestamp(moment) for moment in period)
        keep &= frame[column].between(start, end)
    return frame[keep]


# Weeks of actual demand the forecast chart shows before the forecast starts.
HISTORY_WEEKS = 26
TOP_ROWS = 20


def forecast_vs_actual(snapshot: Snapshot, category: str) -> pd.DataFrame:
    """Units per week of one category: sold (the last HISTORY_WEEKS weeks with sales) and
    forecast, with the forecast's interval and its seasonal-naive baseline."""
    return snapshot.frame(
        "WITH sold AS (SELECT CAST(date_trunc('week', t.transaction_ts) AS DATE) AS week_start, "
        "sum(t.quantity) AS actual_units FROM fact_transaction AS t JOIN dim_product AS p USING (product_id) "
        "WHERE p.category = ? GROUP BY week_start ORDER BY week_start DESC LIMIT ?) "
        "SELECT week_start, actual_units, forecast_units, forecast_lower, forecast_upper, baseline_units "
        "FROM sold FULL JOIN (SELECT * FROM ml_demand_forecast WHERE category = ?) AS f USING (week_start) "
        "ORDER BY week_start", [category, HISTORY_WEEKS, category])


def forecast_categories(snapshot: Snapshot) -> list[str]:
    return [name for (name,) in snapshot.connection.execute(
        "SELECT DISTINCT category FROM ml_demand_forecast ORDER BY category").fetchall()]


_LATEST_BEHAVIOUR = "FROM fact_customer_behavior WHERE as_of_date = (SELECT max(as_of_date) FROM fact_customer_behavior)"


def segments(snapshot: Snapshot) -> pd.DataFrame:
    """Customers per K-Means segment on the latest day, with the segment's mean RFM figures."""
    return snapshot.frame(
        "SELECT segment, count(*) AS customers, round(avg(recency_days), 1) AS mean_recency_days, "
        "round(avg(frequency), 1) AS mean_frequency, round(avg(monetary), 2) AS mean_monetary "
        f"{_LATEST_BEHAVIOUR} AND segment IS NOT NULL GROUP BY segment ORDER BY segment")


def churn_risks(snapshot: Snapshot) -> pd.DataFrame:
    """The TOP_ROWS customers most likely to churn, as the churn model scored them."""
    return snapshot.frame(
        "SELECT customer_id, round(churn_score, 3) AS churn_score, recency_days, frequency, monetary "
        f"{_LATEST_BEHAVIOUR} AND churn_score IS NOT NULL ORDER BY churn_score DESC, customer_id LIMIT ?", [TOP_ROWS])


def anomalies(snapshot: Snapshot) -> pd.DataFrame:
    """The TOP_ROWS most unusual transactions the Isolation Forest flagged."""
    return snapshot.frame(
        "SELECT t.transaction_id, t.transaction_ts, t.amount, t.quantity, t.channel, round(a.anomaly_score, 4) AS score "
        "FROM ml_anomaly_scores AS a JOIN fact_transaction AS t USING (transaction_id) WHERE a.is_anomaly "
        "ORDER BY a.anomaly_score DESC, t.transaction_id LIMIT ?", [TOP_ROWS])


def gate_results(snapshot: Snapshot) -> pd.DataFrame:
    """Every expectation of the latest run of each quality gate, failures first."""
    return snapshot.frame(
        "SELECT suite, dataset, expectation, column_name, severity, success, unexpected_count, element_count, "
        "observed, checked_at FROM dq_results "
        "QUALIFY run_id = first_value(run_id) OVER (PARTITION BY suite ORDER BY checked_at DESC) "
        "ORDER BY success, suite, dataset, expectation, column_name")
