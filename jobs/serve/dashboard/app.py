"""The dashboard's pages, drawn with Streamlit: `make dashboard` serves this script
(jobs.serve.dashboard.service), and Streamlit runs it again on every interaction.

Every figure is computed by jobs.serve.dashboard.figures from one snapshot per page run; the
overview's live part runs again every `dashboard.refresh_seconds` without reloading the page.
Each figure sits in a container with a stable key (`st-key-<key>` in the page), so the browser
tests find it without depending on the layout.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import streamlit as st

from jobs.config import Settings, load_settings
from jobs.errors import PlatformError
from jobs.serve.dashboard import figures
from jobs.serve.dashboard.snapshot import Snapshot, snapshot
from jobs.serve.reports.charts import chart_figure
from jobs.serve.reports.definitions import ReportDefinition, load_reports
from jobs.stream.freshness import seconds_text
from jobs.stream.status import Activity
from jobs.trust.lineage.graph import LineageGraph


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@functools.cache  # once per script run: Streamlit runs the script anew on every interaction
def _settings() -> Settings:
    """The environment and project folder the server was started for (`-- --env E --home H`)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="local")
    parser.add_argument("--home", default=".")
    chosen = parser.parse_args(sys.argv[1:])
    os.environ["RTDP_HOME"] = chosen.home
    return load_settings(chosen.env)


@contextmanager
def _snapshot() -> Iterator[Snapshot]:
    """This page run's snapshot; a missing warehouse (or any platform error) ends the page with its one line."""
    try:
        with snapshot(_settings()) as opened:
            yield opened
    except PlatformError as error:
        st.error(str(error))
        st.stop()


def _metric(key: str, label: str, value: str, delta: str | None = None, help: str | None = None) -> None:
    with st.container(key=key):
        st.metric(label, value, delta, help=help)


def _age(span: timedelta | None) -> str:
    if span is None:
        return "no stream yet"
    seconds = span.total_seconds()
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.0f} min" if seconds < 7200 else f"{seconds / 3600:,.1f} h"


def _reasons(key: str, title: str, counts: dict[str, int]) -> None:
    with st.container(key=key):
        st.markdown(f"**{title}**")
        if counts:
            st.table({"reason": list(counts), "count": list(counts.values())})
        else:
            st.caption("none")


def _stream_minute(minute: Activity) -> None:
    """The stream's last minute, as `rtdp stream status` shows it."""
    rate, batch, freshness = st.columns(3)
    with rate:
        _metric("stream-rate", "Into the stream, last minute", f"{minute.events_per_second:,.1f} events/s",
                help=f"Records the transaction stream received in the last minute, over {minute.batches:,} micro-batches")
    with batch:
        _metric("batch-time", "Median micro-batch", seconds_text(minute.median_batch_seconds))
    with freshness:
        shares = minute.freshness or {}
        _metric("freshness-last-minute", "Event to silver p50 · p95 · p99",
                " · ".join(seconds_text(shares.get(share)) for share in ("p50", "p95", "p99")),
                help="From an event's Kafka timestamp to its micro-batch committing it to silver, last minute")


def overview_page() -> None:
    st.title("Overview")
    st.caption("Today so far from the warehouse and the live stream; refreshes every "
               f"{_settings().dashboard.refresh_seconds:g} s while the stream runs.")

    @st.fragment(run_every=_settings().dashboard.refresh_seconds)
    def live() -> None:
        now = _now()
        with _snapshot() as snap:
            view = figures.overview(snap, now)
        revenue, events, freshness, rejected = st.columns(4)
        with revenue:
            average = view.weekday_average
            delta = None if average is None else f"{view.revenue_today - average:,.2f} against the average"
            _metric("revenue-today", "Revenue today so far", f"{view.revenue_today:,.2f}", delta,
                    help=f"Mean of {view.weekday_days} earlier {now:%A}s up to {now:%H:%M} UTC: "
                         + ("none" if average is None else f"{average:,.2f}"))
        with events:
            _metric("events-last-minute", "Events in the last minute", f"{view.events_last_minute:,}")
        with freshness:
            _metric("freshness", "Newest event in silver", _age(view.freshness),
                    help="How long ago the newest event the stream accepted happened")
        with rejected:
            _metric("dead-letters", "Dead letters", f"{sum(view.dead_letters.values()):,}",
                    help="Events the stream rejected: each is in the quarantine and on the dead-letter topic")
        _stream_minute(view.stream_last_minute)
        with st.container(key="events-per-minute"):
            st.markdown(f"**Events produced per minute, last {figures.RECENT_MINUTES} minutes**")
            if len(view.events_per_minute):
                st.bar_chart(view.events_per_minute, x="minute", y="events", height=220)
            else:
                st.caption("no events in that time: start the stream with `rtdp stream demo`")
        left, right = st.columns(2)
        with left:
            _reasons("dead-letter-reasons", "Rejected by the stream", view.dead_letters)
        with right:
            _reasons("quarantine-reasons", "Quarantined by the batch pipeline", view.quarantine)
        batch = view.stream.last_batch
        st.caption(f"Warehouse built {view.warehouse_built_at:%Y-%m-%d %H:%M:%S} UTC · "
                   + (f"stream batch {batch} finished {view.stream.finished_at:%H:%M:%S} UTC" if batch is not None
                      else "the stream has not run") + f" · refreshed {now:%H:%M:%S} UTC")

    live()


def report_page(report: ReportDefinition):
    def page() -> None:
        st.title(report.title)
        st.markdown(report.question)
        st.caption(f"Grain: {report.grain}" + (f" · {report.notes}" if report.notes else ""))
        with _snapshot() as snap:
            frame = figures.report_frame(snap, report)
        chosen = {column: st.sidebar.multiselect(figures.FILTERS[column], values, key=f"{report.name}-{column}")
                  for column, values in figures.filter_choices(frame).items()}
        period = None
        column = figures.time_column(frame)
        if column and frame[column].notna().any():
            first, last = frame[column].min().date(), frame[column].max().date()
            picked = st.sidebar.date_input("Date range", (first, last), first, last, key=f"{report.name}-period")
            if len(picked) == 2:
                period = (datetime.combine(picked[0], datetime.min.time()), datetime.combine(picked[1], datetime.max.time()))
        shown = figures.apply_filters(frame, chosen, period)
        _metric("rows", "Rows", f"{len(shown):,}")
        chart = chart_figure(report.name, shown) if len(shown) else None
        if chart is not None:
            st.pyplot(chart)
        st.dataframe(shown, hide_index=True)
        with st.expander("SQL of this report"):
            st.code(report.sql, language="sql")

    page.__name__ = f"report_{report.name}"
    return page


def ml_page() -> None:
    st.title("Machine learning")
    with _snapshot() as snap:
        categories = figures.forecast_categories(snap)
        st.subheader("Demand forecast against units sold")
        if categories:
            category = st.selectbox("Category", categories, key="forecast-category")
            weekly = figures.forecast_vs_actual(snap, category)
            with st.container(key="forecast"):
                st.line_chart(weekly, x="week_start", y=["actual_units", "forecast_units", "baseline_units"], height=260)
        else:
            st.caption("no forecast yet: run `rtdp ml train`")
        groups = figures.segments(snap)
        risks = figures.churn_risks(snap)
        unusual = figures.anomalies(snap)
    st.subheader("Customer segments (K-Means)")
    with st.container(key="segments"):
        st.table(groups)
    st.subheader("Churn risk")
    with st.container(key="churn-risks"):
        st.table(risks)
    st.subheader("Anomalous transactions (Isolation Forest)")
    with st.container(key="anomalies"):
        st.table(unusual)


def _lineage_dot(graph: LineageGraph, key: str) -> str:
    nodes = [key, *graph.upstream(key)]
    lines = ['digraph { rankdir="LR"; node [shape=box, fontsize=10];']
    lines += [f'"{parent}" -> "{node}";' for node in nodes for parent in graph.parents(node)]
    return "\n".join([*lines, "}"])


def quality_page() -> None:
    st.title("Data quality and lineage")
    with _snapshot() as snap:
        results = figures.gate_results(snap)
    checked, failed = len(results), int((~results.success.astype(bool)).sum()) if len(results) else 0
    left, right = st.columns(2)
    with left:
        _metric("expectations-checked", "Expectations checked (latest gate runs)", f"{checked:,}")
    with right:
        _metric("expectations-failed", "Failed", f"{failed:,}")
    st.dataframe(results, hide_index=True)
    st.subheader("Lineage")
    graph = LineageGraph.load(_settings())
    if not graph.datasets:
        st.caption("no lineage recorded yet: run `make demo`")
        return
    key = st.selectbox("Dataset", graph.datasets, key="lineage-dataset")
    with st.container(key="lineage"):
        st.graphviz_chart(_lineage_dot(graph, key))
        upstream = graph.upstream(key)
        st.caption(f"{key} comes from {len(upstream)} datasets: " + ", ".join(upstream) if upstream
                   else f"{key} is a source: nothing feeds it")


def main() -> None:
    st.set_page_config(page_title="RTDP dashboard", layout="wide")
    reports = [st.Page(report_page(report), title=report.title, url_path=report.name) for report in load_reports()]
    st.navigation({
        "Live": [st.Page(overview_page, title="Overview", url_path="overview", default=True)],
        "Reports": reports,
        "Models and trust": [st.Page(ml_page, title="Machine learning", url_path="ml"),
                             st.Page(quality_page, title="Data quality", url_path="quality")],
    }).run()


if __name__ == "__main__":  # how `streamlit run` runs a script
    main()
