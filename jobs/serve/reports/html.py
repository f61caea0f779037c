"""Render the one self-contained HTML report: inline CSS, charts as data URIs, no external URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from jobs.serve.reports.definitions import ReportDefinition

PREVIEW_ROWS = 12
MISSING = "–"


@dataclass(frozen=True)
class ReportSection:
    """What the HTML shows of one report."""

    definition: ReportDefinition
    status: str
    produced: bool
    rows: int
    csv_name: str
    chart: str | None
    columns: list[str]
    preview: list[list[str]]
    numeric: list[bool]


def _formatter(column: pd.Series) -> Callable[[object], str]:
    """How to show the values of one column: counts with separators, amounts with 2 decimals."""
    if pd.api.types.is_bool_dtype(column):
        return lambda value: "yes" if value else "no"
    if pd.api.types.is_integer_dtype(column):
        return lambda value: f"{int(value):,}"
    if pd.api.types.is_float_dtype(column):
        return lambda value: f"{value:,.2f}"
    if pd.api.types.is_datetime64_any_dtype(column):
        # DATE columns arrive as midnight timestamps: show them as dates.
        dates_only = bool((column.dropna() == column.dropna().dt.normalize()).all())
        pattern = "%Y-%m-%d" if dates_only else "%Y-%m-%d %H:%M:%S"
        return lambda value: value.strftime(pattern)
    return str


def preview_table(data: pd.DataFrame) -> tuple[list[str], list[list[str]], list[bool]]:
    """Column names, the first rows formatted for reading, and which columns hold numbers."""
    head = data.head(PREVIEW_ROWS)
    formatted = {}
    for column in data.columns:
        show = _formatter(data[column])
        formatted[column] = [MISSING if pd.isna(value) else show(value) for value in head[column]]
    rows = [[formatted[column][index] for column in data.columns] for index in range(len(head))]
    numeric = [pd.api.types.is_numeric_dtype(data[column]) and not pd.api.types.is_bool_dtype(data[column])
               for column in data.columns]
    return list(data.columns), rows, numeric


def render_report(sections: list[ReportSection], generated_at: dt.datetime) -> str:
    """The HTML page: title, run time, table of contents and one section per report."""
    environment = Environment(loader=PackageLoader("jobs.serve.reports", "templates"), autoescape=select_autoescape(["html"]))
    return environment.get_template("report.html").render(
        sections=sections,
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        produced=sum(section.produced for section in sections),
        preview_rows=PREVIEW_ROWS,
    )
