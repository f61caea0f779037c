"""Run the SQL reports on the warehouse; write one CSV each and the HTML report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.serve.reports.charts import chart_data_uri
from jobs.serve.reports.definitions import ReportDefinition, load_reports
from jobs.serve.reports.html import ReportSection, preview_table, render_report
from jobs.serve.warehouse import connect
from jobs.trust.lineage.emit import job_run

HTML_NAME = "report.html"


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one report: `status` is a short sentence for people, `rows` the result size."""

    name: str
    status: str
    csv_path: Path
    rows: int
    produced: bool


@dataclass(frozen=True)
class ReportsResult:
    reports: list[ReportOutcome]
    output_dir: Path
    html_path: Path


def _how_to_fill(table: str) -> str:
    if table.startswith("ml_"):
        return "run the ML jobs"
    if table == "dq_results":
        return "run the data-quality checks"
    return "run `rtdp gold` and `rtdp warehouse`"


def _empty_tables(connection: duckdb.DuckDBPyConnection, tables: tuple[str, ...], warehouse: Path) -> list[str]:
    empty = []
    for table in tables:
        try:
            has_rows = connection.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]
        except duckdb.CatalogException:
            raise PlatformError(f"warehouse at {warehouse} has no table {table}: run `rtdp warehouse` again") from None
        if not has_rows:
            empty.append(table)
    return empty


def _not_produced_status(empty: list[str]) -> str:
    verb = "is" if len(empty) == 1 else "are"
    hints = "; ".join(dict.fromkeys(_how_to_fill(table) for table in empty))
    return f"not produced yet: {', '.join(empty)} {verb} empty ({hints})"


def _rows_status(rows: int) -> str:
    return f"{rows:,} row" + ("" if rows == 1 else "s")


def _query(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The result of one report as a DataFrame, integer columns kept as integers.

    DuckDB sums integers into HUGEINT, which pandas would turn into floats; the values fit BIGINT.
    """
    relation = connection.sql(sql)
    columns = [f'CAST("{name}" AS BIGINT) AS "{name}"' if str(kind) == "HUGEINT" else f'"{name}"'
               for name, kind in zip(relation.columns, relation.types, strict=True)]
    return relation.project(", ".join(columns)).df()


def _run_one(connection: duckdb.DuckDBPyConnection, report: ReportDefinition, output_dir: Path,
             warehouse: Path) -> tuple[ReportOutcome, ReportSection]:
    csv_path = output_dir / f"{report.name}.csv"
    empty = _empty_tables(connection, report.requires, warehouse)
    if empty:
        status = _not_produced_status(empty)
        # The CSV explains itself instead of holding made-up or misleading numbers.
        pd.DataFrame({"status": [status]}).to_csv(csv_path, index=False)
        outcome = ReportOutcome(report.name, status, csv_path, rows=0, produced=False)
        section = ReportSection(report, status, False, 0, csv_path.name, None, [], [], [])
        return outcome, section
    data = _query(connection, report.sql)
    data.to_csv(csv_path, index=False)
    status = _rows_status(len(data))
    columns, preview, numeric = preview_table(data)
    section = ReportSection(report, status, True, len(data), csv_path.name, chart_data_uri(report.name, data), columns,
                            preview, numeric)
    return ReportOutcome(report.name, status, csv_path, rows=len(data), produced=True), section


def run_reports(settings: Settings) -> ReportsResult:
    """Run every report of sql/reports on the warehouse (opened read-only).

    Writes settings.reports_dir/NN_name.csv per report and settings.reports_dir/report.html.
    A report whose required tables are empty is not run: its CSV and HTML section say why.
    Emits a `reports` run with one `report.<name>` run per report, whose inputs are the
    warehouse tables of its "Tables used" header.
    """
    warehouse = settings.warehouse_path
    if not warehouse.is_file():
        raise PlatformError(f"warehouse not found at {warehouse}: run `rtdp warehouse` first")
    output_dir = settings.reports_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    outcomes, sections = [], []
    connection = connect(warehouse, read_only=True)
    try:
        with job_run(settings, "reports") as lineage:
            for report in load_reports():
                tables = [f"warehouse.{table}" for table in report.tables_used]
                with job_run(settings, f"report.{report.name}", tables, lineage, job_type="QUERY") as run:
                    outcome, section = _run_one(connection, report, output_dir, warehouse)
                    run.output(f"report.{report.name}", rows=outcome.rows)
                outcomes.append(outcome)
                sections.append(section)
    finally:
        connection.close()
    html_path = output_dir / HTML_NAME
    html_path.write_text(render_report(sections, dt.datetime.now(dt.UTC)), encoding="utf-8")
    return ReportsResult(reports=outcomes, output_dir=output_dir, html_path=html_path)
