"""`rtdp stream produce|run|status|compact|start|stop|health|supervise|demo`: the real-time path from the command line."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from jobs.cli_errors import err_console, user_errors
from jobs.config import Settings, load_settings
from jobs.errors import PlatformError
from jobs.stream.freshness import seconds_text
from jobs.stream.health import HealthLimits
from jobs.stream.topics import EVENT_TOPICS, TRANSACTIONS, contract_of, prefixed

if TYPE_CHECKING:  # batch.py imports Spark: only the commands that stream load it
    from jobs.stream.batch import StreamOptions

app = typer.Typer(help="Real-time ingestion: events through Kafka and Spark Structured Streaming.", no_args_is_help=True)
console = Console()


EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment: local, dev or prod.", envvar="RTDP_ENV")]
PrefixOption = Annotated[str | None, typer.Option(
    help="Prefix of the topic names on the broker, e.g. 'dev.' (default: kafka.topic_prefix of the environment).")]
TopicsOption = Annotated[list[str] | None, typer.Option("--topic", help="Topic to stream (repeatable; default: all event topics).")]
TriggerOption = Annotated[float, typer.Option(help="Seconds between micro-batches.", min=0.1)]
MaxOffsetsOption = Annotated[int, typer.Option(help="Most records per micro-batch and topic.", min=1)]
WatermarkOption = Annotated[float, typer.Option(help="Seconds an event may arrive after newer ones before it counts as late.", min=0)]
MaxFutureOption = Annotated[float, typer.Option(help="Seconds an event_time may lie after its Kafka timestamp.", min=0)]
StallOption = Annotated[float, typer.Option(help="Unhealthy when records wait and no micro-batch committed for this many seconds.", min=1)]
MaxLagOption = Annotated[int, typer.Option(help="Unhealthy when a topic is more than this many records ahead of the job.", min=0)]


class Source(StrEnum):
    synthetic = "synthetic"
    replay = "replay"



def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C, so the command can finish cleanly."""
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    return stop


def _log_progress() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("py4j").setLevel(logging.WARNING)


def _topics(topic: list[str] | None) -> list[str]:
    """The platform topics named (each checked), all event topics if none."""
    topics = topic or list(EVENT_TOPICS)
    for name in topics:
        contract_of(name)
    return topics


def _topic_prefix(env: str, topic_prefix: str | None) -> str:
    """The prefix given on the command line, else the one the environment's settings name."""
    return load_settings(env).kafka.topic_prefix if topic_prefix is None else topic_prefix


def _stream_options(trigger_seconds: float, max_offsets: int, watermark_delay: float, max_future: float, topic_prefix: str,
                    once: bool = False) -> StreamOptions:
    from jobs.stream.batch import StreamOptions

    return StreamOptions(trigger_seconds=trigger_seconds, max_offsets_per_trigger=max_offsets, once=once,
                         watermark_delay=timedelta(seconds=watermark_delay), max_future=timedelta(seconds=max_future),
                         topic_prefix=topic_prefix)


@app.command()
@user_errors
def produce(
    env: EnvOption = "local",
    topic: Annotated[str, typer.Option(help=f"Event topic: {' or '.join(EVENT_TOPICS)}.")] = TRANSACTIONS,
    source: Annotated[Source, typer.Option(help="synthetic: new events happening now; replay: the raw transactions file.")] = Source.synthetic,
    rate: Annotated[float | None, typer.Option(help="Events per second (default: as fast as possible).", min=0.001)] = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.", min=0.0)] = None,
    count: Annotated[int | None, typer.Option(help="Stop after this many events.", min=1)] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the synthetic values (ids are always new).")] = None,
    world_pace: Annotated[float | None, typer.Option(
        help="Synthetic transactions at the generated world's own rate for this weekday and hour, this many times "
             "faster (1: real time, 60: an hour a minute).", min=0.001, show_default=False)] = None,
    topic_prefix: PrefixOption = None,
) -> None:
    """Send events to Kafka with the idempotent producer and print what was acknowledged."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.producer import produce as send
    from jobs.stream.sources import (
        catalogue_from_silver,
        replay_transactions,
        synthetic_inventory_movements,
        synthetic_transactions,
    )

    settings = load_settings(env)
    contract_of(topic)
    if world_pace is not None:
        rate = _world_rate(settings, topic, source, rate, world_pace)
    if source is Source.replay:
        if topic != TRANSACTIONS:
            raise PlatformError(f"replay reads the raw transactions file: use --topic {TRANSACTIONS}")
        events = replay_transactions(settings)
    else:
        catalogue = catalogue_from_silver(settings)
        events = synthetic_transactions(catalogue, seed) if topic == TRANSACTIONS else synthetic_inventory_movements(catalogue, seed)
    if source is Source.synthetic and duration is None and count is None:
        console.print("Producing until Ctrl-C (or SIGTERM)...")
    summary = send(settings.kafka.bootstrap_servers, prefixed(topic, topic_prefix), events, rate=rate, duration_s=duration,
                   count=count, stop=_stop_on_signals())
    console.print(f"topic {summary.topic}: sent {summary.sent:,}, failed {summary.failed:,}, "
                  f"{summary.rate:,.0f} events/s over {summary.seconds:.1f} s")
    if summary.failed:
        raise PlatformError(f"{summary.failed} events were not acknowledged: {summary.first_error}")


def _world_rate(settings: Settings, topic: str, source: Source, rate: float | None, speed: float) -> Callable[[], float]:
    """The rate function of --world-pace, after saying what it is now."""
    from jobs.stream.pace import world_pace

    if rate is not None or source is not Source.synthetic or topic != TRANSACTIONS:
        raise PlatformError(f"--world-pace paces synthetic {TRANSACTIONS} and replaces --rate")
    pace = world_pace(settings, speed)
    now = datetime.now(UTC)
    console.print(f"Sending about {pace.rate(now) * 60:,.2f} transactions a minute: the world's pace on {now:%A}s at "
                  f"{now:%H}h UTC, x{speed:g}")
    return lambda: pace.rate(datetime.now(UTC))


@app.command()
@user_errors
def run(
    env: EnvOption = "local",
    topic: TopicsOption = None,
    once: Annotated[bool, typer.Option(help="Process everything available now, then stop (catch-up).")] = False,
    trigger_seconds: TriggerOption = 2.0,
    max_offsets: MaxOffsetsOption = 20_000,
    watermark_delay: WatermarkOption = 600,
    max_future: MaxFutureOption = 300,
    topic_prefix: PrefixOption = None,
) -> None:
    """Stream Kafka into bronze, silver and gold until SIGTERM or Ctrl-C (or the end, with --once)."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.job import run_stream

    _log_progress()
    options = _stream_options(trigger_seconds, max_offsets, watermark_delay, max_future, topic_prefix, once=once)
    totals = run_stream(load_settings(env), _topics(topic), options, stop=_stop_on_signals()).overall()
    console.print(f"{totals.batches} micro-batches: {totals.rows_in:,} records in, "
                  f"{totals.silver_rows:,} to silver, {totals.rejected:,} rejected")


@app.command()
@user_errors
def status(env: EnvOption = "local", topic_prefix: PrefixOption = None) -> None:
    """Show each topic's last micro-batch (records in, to silver, rejected), watermark and lag, and
    the last minute's batches, events/s, median batch time and freshness percentiles."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.status import stream_status

    table = Table(title="Streams (times in UTC; counts of the last micro-batch)", title_justify="left")
    for column in ("topic", "batch", "finished", "watermark", "in", "silver", "rejected", "lag"):
        table.add_column(column, justify="left" if column in ("topic", "finished", "watermark") else "right")
    statuses = stream_status(load_settings(env), topic_prefix=topic_prefix)
    for topic in statuses:
        rejected = sum(count for name, count in topic.counts.items() if name not in ("rows_in", "silver"))
        table.add_row(
            topic.topic,
            "-" if topic.last_batch is None else str(topic.last_batch),
            topic.finished_at.isoformat(sep=" ", timespec="seconds") if topic.finished_at else "-",
            topic.watermark.isoformat(sep=" ", timespec="seconds") if topic.watermark else "-",
            f"{topic.counts.get('rows_in', 0):,}",
            f"{topic.counts.get('silver', 0):,}",
            f"{rejected:,}",
            f"{topic.lag:,}" if topic.lag is not None else "unknown",
        )
    console.print(table)
    minute = Table(title="The last minute (freshness: seconds from produce to silver)", title_justify="left")
    for column in ("topic", "batches", "events/s", "batch time", "p50", "p95", "p99"):
        minute.add_column(column, justify="left" if column == "topic" else "right")
    for topic in statuses:
        activity = topic.last_minute
        minute.add_row(topic.topic, str(activity.batches), f"{activity.events_per_second:,.0f}",
                       seconds_text(activity.median_batch_seconds),
                       *[seconds_text(activity.freshness.get(share)) for share in ("p50", "p95", "p99")])
    console.print(minute)
    for topic in statuses:
        if topic.lag_error:
            err_console.print(f"lag of {topic.topic} unknown: {topic.lag_error}", highlight=False, soft_wrap=True)


@app.command()
@user_errors
def compact(
    env: EnvOption = "local",
    topic: TopicsOption = None,
    grace_seconds: Annotated[float, typer.Option(
        help="Seconds between a compaction's commit and the deletion of the files it replaced (for readers that "
             "listed them just before).", min=0)] = 30.0,
) -> None:
    """Rewrite each streamed folder's micro-batch files (bronze and silver per day, gold) into few
    large files, beside the running stream; readers never see a row twice or miss one."""
    from jobs.operate.roles import acting_as
    from jobs.stream.compaction import compact_streams

    settings = load_settings(env)
    with acting_as(settings, "compact"):
        compactions = compact_streams(settings, _topics(topic), grace_s=grace_seconds)
    if not compactions:
        console.print("Nothing to compact: every streamed folder holds at most one file of finished batches.")
        return
    table = Table(title="Compacted (batches up to the one before each stream's last)", title_justify="left")
    for column in ("folder", "batches", "files", "rows"):
        table.add_column(column, justify="left" if column == "folder" else "right")
    for done in compactions:
        table.add_row(done.folder, f"{done.first}-{done.last}", f"{done.files} -> 1", f"{done.rows:,}")
    console.print(table)


@app.command()
@user_errors
def start(
    env: EnvOption = "local",
    topic: TopicsOption = None,
    trigger_seconds: TriggerOption = 2.0,
    max_offsets: MaxOffsetsOption = 20_000,
    watermark_delay: WatermarkOption = 600,
    max_future: MaxFutureOption = 300,
    topic_prefix: PrefixOption = None,
    wait: Annotated[bool, typer.Option(help="Wait until the job serves: a micro-batch committed, or nothing to read.")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for that.", min=1)] = 600,
    foreground: Annotated[bool, typer.Option(help="Become the job instead (a container's main process; output to the console).")] = False,
) -> None:
    """Start `rtdp stream run` in the background (pid file and log in the state folder); a healthy running job is reused."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.supervisor import start_stream, wait_until_serving

    settings = load_settings(env)
    topics = _topics(topic)
    state = start_stream(settings, topics, _stream_options(trigger_seconds, max_offsets, watermark_delay, max_future, topic_prefix),
                         foreground=foreground)
    runs = f" from {state.runs}" if state.runs else ""
    console.print(f"stream job {state.name}: {state.state} (pid {state.pid}){runs}; log {state.log_file}", highlight=False,
                  soft_wrap=True)
    if wait and state.state == "started":
        with console.status("Waiting for the first micro-batch (Spark takes a while to start)..."):
            health = wait_until_serving(settings, topics, topic_prefix, timeout_s=timeout)
        console.print(f"serving: {health.reason}", highlight=False)


@app.command()
@user_errors
def stop(
    env: EnvOption = "local",
    topic_prefix: PrefixOption = None,
    grace: Annotated[float, typer.Option(help="Seconds to wait after SIGTERM before SIGKILL.", min=0)] = 60,
) -> None:
    """Stop the background job that `start` started (SIGTERM, then SIGKILL); other processes are left alone."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.supervisor import stop_stream

    state = stop_stream(load_settings(env), topic_prefix, grace)
    console.print(f"stream job {state.name}: {state.state}" + (f" (pid {state.pid})" if state.pid else ""), highlight=False)


@app.command()
@user_errors
def health(
    env: EnvOption = "local",
    topic: TopicsOption = None,
    topic_prefix: PrefixOption = None,
    stall_seconds: StallOption = HealthLimits.stall_seconds,
    max_lag: MaxLagOption = HealthLimits.max_lag,
) -> None:
    """Judge the background job: running, committing micro-batches, lag per topic; exit status 1 if unhealthy."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.health import check_health

    verdict = check_health(load_settings(env), _topics(topic), topic_prefix, HealthLimits(stall_seconds, max_lag))
    table = Table(title=f"Stream job {verdict.job}", title_justify="left")
    for column in ("topic", "lag", "last batch", "last commit (UTC)"):
        table.add_column(column, justify="right" if column in ("lag", "last batch") else "left")
    for topic_health in verdict.topics:
        table.add_row(topic_health.topic, f"{topic_health.lag:,}" if topic_health.lag is not None else "unknown",
                      "-" if topic_health.last_batch is None else str(topic_health.last_batch),
                      topic_health.last_commit.isoformat(sep=" ", timespec="seconds") if topic_health.last_commit else "-")
    console.print(table)
    console.print(f"{'healthy' if verdict.healthy else 'unhealthy'}: {verdict.reason}", highlight=False, soft_wrap=True)
    if not verdict.healthy:
        raise typer.Exit(code=1)


@app.command()
@user_errors
def supervise(
    env: EnvOption = "local",
    topic: TopicsOption = None,
    trigger_seconds: TriggerOption = 2.0,
    max_offsets: MaxOffsetsOption = 20_000,
    watermark_delay: WatermarkOption = 600,
    max_future: MaxFutureOption = 300,
    topic_prefix: PrefixOption = None,
    stall_seconds: StallOption = HealthLimits.stall_seconds,
    max_lag: MaxLagOption = HealthLimits.max_lag,
    timeout: Annotated[float, typer.Option(help="Seconds a restarted job has to serve again.", min=1)] = 600,
) -> None:
    """One round of what the supervision DAG does: check the job, restart it if unhealthy, wait until it serves."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.stream.supervisor import supervise as supervise_once

    options = _stream_options(trigger_seconds, max_offsets, watermark_delay, max_future, topic_prefix)
    outcome = supervise_once(load_settings(env), _topics(topic), options, HealthLimits(stall_seconds, max_lag),
                             recovery_timeout_s=timeout)
    console.print(outcome.summary(), highlight=False, soft_wrap=True)


@app.command()
@user_errors
def demo(
    env: EnvOption = "local",
    events: Annotated[int, typer.Option(help="Synthetic transactions to send.", min=1)] = 3000,
    rate: Annotated[float, typer.Option(help="Events per second.", min=0.001)] = 500.0,
    topic_prefix: PrefixOption = None,
) -> None:
    """Produce live transactions while the stream runs; stop when all are in silver and gold; print freshness."""
    topic_prefix = _topic_prefix(env, topic_prefix)
    from jobs.operate.submit import live_segment

    _log_progress()
    summary, submissions = live_segment(load_settings(env), events=events, rate=rate, topic_prefix=topic_prefix)
    for submitted in submissions:
        console.print(str(submitted), highlight=False, soft_wrap=True)
    console.print(f"sent {summary.produced.sent:,} events at {summary.produced.rate:,.0f}/s; {summary.in_silver:,} in silver "
                  f"and gold after {summary.seconds:.1f} s; produce-to-silver latency p50 {summary.percentile(0.5):.1f} s, "
                  f"p95 {summary.percentile(0.95):.1f} s")


if __name__ == "__main__":  # `python -m jobs.stream.cli`; usually run as `rtdp stream`
    app()
