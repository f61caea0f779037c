"""`rtdp stack up|down|status|roundtrip`: the local stack from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jobs.cli_errors import user_errors
from jobs.config import load_settings
from jobs.operate.stack.lifecycle import ServiceStatus
from jobs.operate.stack.stack import stack_down, stack_status, stack_up

app = typer.Typer(help="The local stack: Kafka broker (KRaft), AWS emulator and Spark cluster, without Docker.", no_args_is_help=True)
console = Console()

StackEnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment whose services to run: dev or local.",
                                             envvar="RTDP_ENV")]



def _short_path(path: str | None) -> str:
    if path is None:
        return "-"
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _memory(rss_bytes: int | None) -> str:
    return f"{rss_bytes / 2**20:,.0f} MiB" if rss_bytes is not None else "-"


def print_statuses(title: str, statuses: list[ServiceStatus]) -> None:
    """One table row per service: state, pid, port, resident memory, log file."""
    table = Table(title=title, title_justify="left")
    for column in ("service", "state", "pid", "port", "memory", "log"):
        table.add_column(column, justify="right" if column in ("pid", "port", "memory") else "left")
    for status in statuses:
        table.add_row(status.name, status.state, str(status.pid or "-"), str(status.port), _memory(status.rss_bytes),
                      _short_path(status.log_file))
    console.print(table)


@app.command()
@user_errors
def up(env: StackEnvOption = "dev") -> None:
    """Start the services (reusing healthy ones); the first run downloads jars from Maven Central."""
    with console.status("Starting the local stack (the first run downloads Kafka and S3A jars)..."):
        statuses = stack_up(load_settings(env))
    print_statuses(f"Local stack for '{env}'", statuses)


@app.command()
@user_errors
def jars(env: StackEnvOption = "dev") -> None:
    """Fetch every jar the stack and the jobs use from Maven Central (once; `up` does it too):
    the Kafka broker's, Spark's S3A connector and its Kafka source. What `make images` ships."""
    from jobs.operate.stack.jars import fetch_jars
    from jobs.operate.stack.kafka import KafkaBroker
    from jobs.operate.stack.paths import stack_paths
    from jobs.operate.stack.spark_jars import ensure_spark_jars, spark_jars_dir
    from jobs.stream.spark_kafka import connector_jars_dir, kafka_connector_jars

    settings = load_settings(env)
    paths = stack_paths(settings)
    broker = KafkaBroker(paths=paths, host="127.0.0.1", port=0)  # only its recipe and jar folder are asked for
    with console.status("Fetching jars from Maven Central (the first time about 700 MB)..."):
        fetch_jars(broker.pom, broker.libs)
        ensure_spark_jars(settings)
        kafka_connector_jars(settings)
    for folder in (broker.libs, spark_jars_dir(paths), connector_jars_dir(settings)):
        console.print(f"ok   {folder}", highlight=False, soft_wrap=True)


@app.command()
@user_errors
def down(env: StackEnvOption = "dev") -> None:
    """Stop the services that `up` started; processes it did not start are left alone."""
    statuses = stack_down(load_settings(env))
    print_statuses(f"Local stack for '{env}'", statuses)


@app.command()
@user_errors
def status(env: StackEnvOption = "dev") -> None:
    """Show each service: running or stopped, pid, port, resident memory."""
    statuses = stack_status(load_settings(env))
    print_statuses(f"Local stack for '{env}'", statuses)


@app.command()
@user_errors
def roundtrip(env: StackEnvOption = "dev",
              events: Annotated[int, typer.Option(help="How many events to send.", min=1, max=1_000_000)] = 1000) -> None:
    """Produce keyed JSON events to a fresh topic and read them back: proves the broker works."""
    from jobs.operate.stack.roundtrip import run_roundtrip

    result = run_roundtrip(load_settings(env), events=events)
    console.print(f"topic {result.topic}: produced {result.produced}, consumed {result.consumed}, "
                  f"lost {result.lost}, unexpected {result.unexpected}")
    if result.lost or result.unexpected:
        raise typer.Exit(code=1)
