"""One chart per report, drawn with matplotlib's Agg backend and embedded as a PNG data URI.

Each chart function takes the report's result table and returns a figure, or None when there
is nothing to draw. Figures are built without pyplot, so no global state or display is needed.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

PALETTE = ["#2f6f9f", "#e08a3c", "#5a9e6f", "#b5523b", "#8069a8", "#8c8c8c"]
STATUS_COLOURS = {"stock-out": "#b5523b", "reorder now": "#e08a3c", "ok": "#5a9e6f"}
MAX_MONTH_LABELS = 12


def _figure(columns: int = 1) -> tuple[Figure, list]:
    figure = Figure(figsize=(10, 3.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = [figure.add_subplot(1, columns, index + 1) for index in range(columns)]
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=8)
    return figure, axes


def _whole_numbers(axis) -> None:
    """Counts get whole-number ticks (never 0.25 of a product), with thousands separators."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _amounts(axis) -> None:
    """Amounts with thousands separators instead of a 1e6 offset."""
    axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _title(ax, text: str) -> None:
    ax.set_title(text, fontsize=10, loc="left", color="#333333")


def revenue_trends(data: pd.DataFrame) -> Figure | None:
    daily = data[data["grain"] == "day"]
    monthly = data[data["grain"] == "month"]
    if daily.empty:
        return None
    figure, (trend, months) = _figure(2)
    trend.plot(daily["period_start"], daily["revenue"], color=PALETTE[0], alpha=0.35, linewidth=1, label="daily revenue")
    trend.plot(daily["period_start"], daily["revenue_moving_avg"], color=PALETTE[0], linewidth=2, label="7-day average")
    trend.legend(fontsize=8, frameon=False)
    trend.tick_params(axis="x", labelrotation=30)
    _amounts(trend.yaxis)
    _title(trend, "Daily revenue and 7-day moving average")
    labels = [pd.Timestamp(day).strftime("%Y-%m") for day in monthly["period_start"]]
    months.bar(range(len(labels)), monthly["revenue"], color=PALETTE[1])
    every = -(-len(labels) // MAX_MONTH_LABELS)  # two years of months would overlap
    months.set_xticks(range(0, len(labels), every), labels[::every])
    months.tick_params(axis="x", labelrotation=30)
    _amounts(months.yaxis)
    _title(months, "Monthly revenue")
    return figure


def inventory_health(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    counts = data.pivot_table(index="warehouse", columns="stock_status", values="product_id", aggfunc="count", fill_value=0)
    figure, (ax,) = _figure()
    left = pd.Series(0, index=counts.index)
    for status, colour in STATUS_COLOURS.items():
        if status in counts:
            ax.barh(counts.index, counts[status], left=left, color=colour, label=status)
            left += counts[status]
    ax.legend(fontsize=8, frameon=False, ncols=3)
    ax.set_xlabel("products (latest snapshot)", fontsize=8)
    _whole_numbers(ax.xaxis)
    _title(ax, "Stock status per warehouse")
    return figure


def customer_behaviour(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    by_type = data.groupby("customer_type")[["revenue", "churned_customers", "customers_who_bought"]].sum()
    figure, (spend, churn) = _figure(2)
    spend.bar(by_type.index, by_type["revenue"], color=PALETTE[0])
    _amounts(spend.yaxis)
    _title(spend, "Revenue by customer type")
    churn_rate = 100 * by_type["churned_customers"] / by_type["customers_who_bought"].where(by_type["customers_who_bought"] > 0)
    churn.bar(by_type.index, churn_rate.fillna(0), color=PALETTE[3])
    churn.set_ylabel("%", fontsize=8)
    _title(churn, "Churn rate by customer type (inactive 60+ days)")
    return figure


def product_performance(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    by_category = data.groupby("category")[["revenue", "gross_margin"]].sum().sort_values("revenue")
    figure, (ax,) = _figure()
    positions = range(len(by_category))
    ax.barh([p + 0.2 for p in positions], by_category["revenue"], height=0.4, color=PALETTE[0], label="revenue")
    ax.barh([p - 0.2 for p in positions], by_category["gross_margin"], height=0.4, color=PALETTE[2], label="gross margin")
    ax.set_yticks(list(positions), by_category.index)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _amounts(ax.xaxis)
    _title(ax, "Revenue and gross margin by category")
    return figure


def account_activity(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    accounts = data.pivot_table(index="account_type", columns="ownership", values="accounts", aggfunc="sum", fill_value=0)
    transactions = data.pivot_table(index="account_type", columns="ownership", values="transactions", aggfunc="sum",
                                    fill_value=0)
    figure, axes = _figure(2)
    for ax, table, title in ((axes[0], accounts, "Accounts"), (axes[1], transactions, "Transactions")):
        bottom = pd.Series(0, index=table.index)
        for index, ownership in enumerate(table.columns):
            ax.bar(table.index, table[ownership], bottom=bottom, color=PALETTE[index], label=ownership)
            bottom += table[ownership]
        ax.legend(fontsize=8, frameon=False)
        _whole_numbers(ax.yaxis)
        _title(ax, f"{title} per account type, joint vs single")
    return figure


def realtime_monitoring(data: pd.DataFrame) -> Figure | None:
    channels = data[data["channel"] != "all channels"]
    if channels.empty:
        return None
    table = channels.pivot_table(index="time_window", columns="channel", values="transactions", aggfunc="sum", sort=False)
    figure, (ax,) = _figure()
    width = 0.8 / len(table.columns)
    for index, channel in enumerate(table.columns):
        positions = [p + index * width for p in range(len(table.index))]
        ax.bar(positions, table[channel], width=width, color=PALETTE[index % len(PALETTE)], label=channel)
    ax.set_xticks([p + 0.4 - width / 2 for p in range(len(table.index))], table.index)
    ax.legend(fontsize=8, frameon=False, ncols=len(table.columns))
    _whole_numbers(ax.yaxis)
    _title(ax, "Transactions per channel, by time window before the latest transaction")
    return figure


def anomalies(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    figure, (ax,) = _figure()
    for index, (channel, rows) in enumerate(data.groupby("channel")):
        ax.scatter(rows["amount_vs_category_median"], rows["anomaly_score"], s=18, color=PALETTE[index % len(PALETTE)],
                   label=channel, alpha=0.8)
    ax.set_xlabel("amount / category median", fontsize=8)
    ax.set_ylabel("anomaly score", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    _title(ax, "Flagged transactions: how far from the usual amount, how unusual")
    return figure


def forecast_accuracy(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    figure, (ax,) = _figure()
    positions = range(len(data))
    ax.bar([p - 0.2 for p in positions], data["model_mape_pct"].fillna(0), width=0.4, color=PALETTE[0], label="model")
    ax.bar([p + 0.2 for p in positions], data["baseline_mape_pct"].fillna(0), width=0.4, color=PALETTE[5],
           label="seasonal-naive baseline")
    ax.set_xticks(list(positions), data["category"])
    ax.set_ylabel("MAPE %", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    _title(ax, "Forecast error per category (lower is better)")
    return figure


def cross_sell(data: pd.DataFrame) -> Figure | None:
    if data.empty:
        return None
    top = data.groupby("product_name").size().sort_values().tail(10)
    figure, (ax,) = _figure()
    ax.barh(top.index, top.values, color=PALETTE[4])
    ax.set_xlabel("customers it is recommended to (top 3)", fontsize=8)
    _whole_numbers(ax.xaxis)
    _title(ax, "Most recommended products")
    return figure


def data_quality_and_lineage(data: pd.DataFrame) -> Figure | None:
    quarantined = data[(data["section"] == "quarantine") & (data["rows_rejected"].fillna(0) > 0)]
    lineage = data[data["section"] == "lineage"]
    panels = [name for name, rows in (("quarantine", quarantined), ("lineage", lineage)) if not rows.empty]
    if not panels:
        return None
    figure, axes = _figure(len(panels))
    panel = dict(zip(panels, axes, strict=True))
    if "quarantine" in panel:
        reasons = panel["quarantine"]
        reasons.barh(quarantined["subject"] + ": " + quarantined["detail"], quarantined["rows_rejected"], color=PALETTE[3])
        _whole_numbers(reasons.xaxis)
        _title(reasons, "Rows quarantined by dataset and reason")
    if "lineage" in panel:
        steps = panel["lineage"]
        per_step = lineage.groupby("subject", sort=False)[["rows_in", "rows_out"]].sum()
        positions = range(len(per_step))
        steps.bar([p - 0.2 for p in positions], per_step["rows_in"], width=0.4, color=PALETTE[0], label="rows in")
        steps.bar([p + 0.2 for p in positions], per_step["rows_out"], width=0.4, color=PALETTE[2], label="rows out")
        steps.set_xticks(list(positions), per_step.index)
        steps.legend(fontsize=8, frameon=False)
        _whole_numbers(steps.yaxis)
        _title(steps, "Rows in and out per pipeline step")
    return figure


CHARTS: dict[str, Callable[[pd.DataFrame], Figure | None]] = {
    "revenue_trends": revenue_trends,
    "inventory_health": inventory_health,
    "customer_behaviour": customer_behaviour,
    "product_performance": product_performance,
    "account_activity": account_activity,
    "realtime_monitoring": realtime_monitoring,
    "anomalies": anomalies,
    "forecast_accuracy": forecast_accuracy,
    "cross_sell": cross_sell,
    "data_quality_and_lineage": data_quality_and_lineage,
}


def chart_figure(report_name: str, data: pd.DataFrame) -> Figure | None:
    """The chart of report `NN_name` drawn from `data`, or None if it has none or nothing to draw."""
    draw = CHARTS.get(report_name.split("_", 1)[1])
    return draw(data) if draw else None


def chart_data_uri(report_name: str, data: pd.DataFrame) -> str | None:
    """The chart of report `NN_name` as a `data:image/png;base64,...` URI, or None if none."""
    figure = chart_figure(report_name, data)
    if figure is None:
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
