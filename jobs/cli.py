"""`rtdp`: the command line of the platform. Every job has a subcommand; `run` does them all.

User errors (missing input, bad configuration, a service that is down) are printed as one
line and exit with status 1, never as a traceback.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from jobs.cli_errors import user_errors
from jobs.config import Settings, load_settings
from jobs.errors import PlatformError
from jobs.operate.deploy.cli import app as infra_app
from jobs.operate.stack.cli import app as stack_app
from jobs.serve.dashboard.cli import app as dashboard_app
from jobs.stream.cli import app as stream_app
from jobs.trust.catalog.cli import app as catalog_app
from jobs.trust.lineage.cli import app as lineage_app
from ml.cli import app as ml_app

app = typer.Typer(help="Real-Time Data Engineering Learning Platform.", no_args_is_help=True)
app.add_typer(stack_app, name="stack", help="Start, stop and inspect the local stack (Kafka, AWS emulator).")
app.add_typer(stream_app, name="stream", help="Real-time ingestion: produce events, run the streaming job, check lag.")
app.add_typer(infra_app, name="infra", help="Plan, deploy and destroy dev or prod with OpenTofu; releases of the jobs.")
app.add_typer(ml_app, name="ml", help="Train and score the ML models on gold (forecast, segments, churn, anomalies, cross-sell).")
app.add_typer(catalog_app, name="catalog", help="The static HTML data catalog: every dataset, its columns, owner, quality, lineage.")
app.add_typer(dashboard_app, name="dashboard", help="The live dashboard on 127.0.0.1: the warehouse, the stream, ML and quality.")
app.add_typer(lineage_app, name="lineage", help="Where a dataset or report comes from, from the jobs' OpenLineage events.")
console = Console()

EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment: local, dev or prod.", envvar="RTDP_ENV")]
ScaleOption = Annotated[int, typer.Option(help="Number of transactions to generate.", min=1000, max=10_000_000)]
SeedOption = Annotated[int, typer.Option(help="Random seed; the same seed, scale and --now give identical files.")]
NowOption = Annotated[datetime | None, typer.Option(
    formats=["%Y-%m-%d"], show_default="today (UTC)",
    help="The generated history ends the day before this date, so live events continue it.")]

DEFAULT_SCALE = 100_000
DEFAULT_SEED = 42


def _lake_settings(env: str) -> Settings:
    """The settings of `env`, once its lake's buckets are known to exist."""
    from jobs.storage import require_buckets

    settings = load_settings(env)
    require_buckets(settings)
    return settings


def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _print_counts(title: str, counts: dict[str, int]) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("dataset")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


def _generate(settings: Settings, scale: int, seed: int, now: datetime | None) -> None:
    from jobs.trust.lineage.generation import generate_raw_with_lineage

    summary = generate_raw_with_lineage(settings, transactions=scale, seed=seed, now=now and now.date())
    if summary.replaced:
        console.print(f"A new world (seed {seed}, {scale:,} transactions to {summary.last_day}) replaces the one before "
                      f"({summary.replaced}): raw, bronze, silver, quarantine and gold were emptied, so the lake starts again.")
    console.print(f"History from {summary.first_day} to {summary.last_day}, the day before --now (default today).")
    _print_counts(f"Raw data written to {settings.layer_uri('raw')}", summary.row_counts)


@app.command()
@user_errors
def generate(env: EnvOption = "local", scale: ScaleOption = DEFAULT_SCALE, seed: SeedOption = DEFAULT_SEED,
             now: NowOption = None) -> None:
    """Generate the seeded test dataset (raw CSVs and the models' ground truth): two years of history."""
    _generate(_lake_settings(env), scale, seed, now)


def _report_submissions(submissions) -> None:
    """Where the jobs submitted to the cluster ran (nothing for a run in this process)."""
    for submitted in submissions:
        console.print(str(submitted), highlight=False, soft_wrap=True)


def _run_medallion(settings: Settings, steps: tuple[str, ...]) -> None:
    from jobs.operate.submit import run_medallion

    records, submissions = run_medallion(settings, steps, _new_run_id())
    _report_submissions(submissions)
    table = Table(title="Medallion run", title_justify="left")
    for column in ("step", "source", "target", "rows in", "rows out", "quarantined"):
        table.add_column(column, justify="right" if column.startswith("rows") or column == "quarantined" else "left")
    for record in records:
        table.add_row(record.step, record.source, record.target, f"{record.rows_in:,}", f"{record.rows_out:,}",
                      f"{record.rows_rejected:,}")
    console.print(table)


@app.command()
@user_errors
def bronze(env: EnvOption = "local") -> None:
    """Raw CSV -> bronze Parquet, as received plus ingestion metadata."""
    _run_medallion(_lake_settings(env), ("bronze",))


@app.command()
@user_errors
def silver(env: EnvOption = "local") -> None:
    """Bronze -> silver: typed, validated, de-duplicated; rejects go to quarantine with a reason."""
    _run_medallion(_lake_settings(env), ("silver",))


@app.command()
@user_errors
def gold(env: EnvOption = "local") -> None:
    """Silver -> gold star schema (dimensions with SCD2 customers, facts, bridge)."""
    _run_medallion(_lake_settings(env), ("gold",))


def _train_models(settings: Settings) -> None:
    from jobs.operate.submit import train_models
    from ml.cli import summary_table

    summary, submissions = train_models(settings)
    _report_submissions(submissions)
    console.print(summary_table(summary))


def _stream_segment(settings: Settings, events: int) -> None:
    """Live events through Kafka and Spark Structured Streaming into silver and gold; the Kafka
    broker is started for it if needed and stopped afterwards if it was started here."""
    from jobs.operate.stack import stack_down, stack_up
    from jobs.operate.submit import live_segment

    started = [status.name for status in stack_up(settings, only=["kafka"]) if status.state == "started"]
    try:
        summary, submissions = live_segment(settings, events=events, rate=500.0, topic_prefix=settings.kafka.topic_prefix)
    finally:
        if started:
            stack_down(settings, only=started)
    _report_submissions(submissions)
    console.print(f"streamed {summary.produced.sent:,} events; {summary.in_silver:,} in silver and gold after "
                  f"{summary.seconds:.1f} s; produce-to-silver latency p50 {summary.percentile(0.5):.1f} s, "
                  f"p95 {summary.percentile(0.95):.1f} s")


def _warehouse(settings: Settings, full: bool = False) -> None:
    from jobs.operate.roles import acting_as
    from jobs.serve.warehouse import build_warehouse

    with acting_as(settings, "warehouse"):
        counts = build_warehouse(settings, full=full)
    _print_counts(f"DuckDB warehouse {settings.warehouse_path}", counts)


@app.command()
@user_errors
def warehouse(
    env: EnvOption = "local",
    full: Annotated[bool, typer.Option(help="Build from nothing even when only the stream added rows since the last build.")] = False,
) -> None:
    """Load gold into the DuckDB warehouse, tables created from sql/ddl (after a new gold publication
    from nothing, else the stream's micro-batches since the last build)."""
    _warehouse(_lake_settings(env), full=full)


def _catalog(settings: Settings) -> None:
    from jobs.operate.roles import acting_as
    from jobs.trust.catalog.build import build_catalog

    with acting_as(settings, "catalog"):
        result = build_catalog(settings)
    console.print(f"data catalog of {result.datasets} datasets: [bold]{result.index_path}[/]")


def _reports(settings: Settings) -> None:
    from jobs.operate.roles import acting_as
    from jobs.serve.reports import run_reports

    with acting_as(settings, "reports"):
        result = run_reports(settings)
    for report in result.reports:
        console.print(f"  {report.name:<40} {report.status}")
    console.print(f"CSV files in [bold]{result.output_dir}[/], HTML report [bold]{result.html_path}[/]")


@app.command()
@user_errors
def reports(env: EnvOption = "local") -> None:
    """Run the ten SQL reports on the warehouse; write one CSV each and one HTML report."""
    _reports(load_settings(env))


@app.command()
@user_errors
def run(
    env: EnvOption = "local",
    scale: ScaleOption = DEFAULT_SCALE,
    seed: SeedOption = DEFAULT_SEED,
    now: NowOption = None,
    skip_generate: Annotated[bool, typer.Option(help="Use the raw files already there.")] = False,
    skip_ml: Annotated[bool, typer.Option(help="Leave out model training and scoring.")] = False,
    stream_events: Annotated[int, typer.Option(help="Also stream this many live events through Kafka (0: none).",
                                               min=0)] = 0,
) -> None:
    """Everything: generate -> bronze -> silver -> [quality gates] -> gold -> ML -> [live stream] -> warehouse ->
    reports -> data catalog."""
    settings = _lake_settings(env)
    if stream_events:
        from jobs.stream.spark_kafka import prepare_spark_launch

        # The Kafka connector must be on the class path before this process starts Spark.
        prepare_spark_launch(settings)
    steps: list[tuple[str, Callable[[], None]]] = []
    if not skip_generate:
        steps.append(("generate raw data", lambda: _generate(settings, scale, seed, now)))
    steps += [
        ("bronze, silver, gold (Spark)", lambda: _run_medallion(settings, ("bronze", "silver", "gold"))),
    ]
    if not skip_ml:
        steps.append(("train and score the ML models", lambda: _train_models(settings)))
    if stream_events:
        steps.append(("stream live events through Kafka", lambda: _stream_segment(settings, stream_events)))
    steps += [
        ("load DuckDB warehouse", lambda: _warehouse(settings)),
        ("run the ten reports", lambda: _reports(settings)),
        ("build the data catalog", lambda: _catalog(settings)),
    ]
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("platform", total=len(steps))
        for description, step in steps:
            progress.update(task, description=description)
            step()
            progress.advance(task)
    from jobs.trust.catalog.build import catalog_index
    from jobs.trust.quality.location import data_docs_index

    console.print("[bold green]Done.[/]")
    for label, path in (("Warehouse", settings.warehouse_path), ("Reports", settings.reports_dir / "report.html"),
                        ("Data catalog", catalog_index(settings)), ("Quality data docs", data_docs_index(settings)),
                        ("Lineage events", settings.lineage_events_path)):
        console.print(f"  {label + ':':<19}{path}", soft_wrap=True)
    console.print(f"  {'Dashboard:':<19}`make dashboard`, then http://127.0.0.1:{settings.dashboard.port}")


@app.command()
@user_errors
def sql(
    query: Annotated[str | None, typer.Argument(help="The SQL to run, e.g. \"SELECT count(*) FROM fact_transaction\".",
                                                show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Run the query in this .sql file instead.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows.", min=1)] = 20,
    env: EnvOption = "local",
) -> None:
    """Run one SQL query on the DuckDB warehouse (read-only) and print its result as a table."""
    from jobs.serve.warehouse import query_warehouse

    if (query is None) == (file is None):
        raise PlatformError("give either a query or --file, not both or neither")
    if file is not None and not file.is_file():
        raise PlatformError(f"no SQL file at {file}")
    columns, rows, total = query_warehouse(load_settings(env), query or file.read_text(), limit)
    table = Table(*columns)
    for row in rows:
        table.add_row(*("NULL" if value is None else str(value) for value in row))
    console.print(table)
    console.print(f"{total:,} row{'s' if total != 1 else ''}" + (f", the first {limit} shown" if total > limit else ""))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
