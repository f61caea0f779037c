"""`make bench-stream`: the real-time path measured in one run on the running local stack, on
fresh topics and a temporary lake (the project's data is not touched).

  baseline  EVENTS events on a fresh topic, read by a plain confluent-kafka consumer (partitions
            assigned, so no group rebalance is timed; nothing done with the records).
  catch-up  the stream job reading the same EVENTS events, already on the topic, into bronze,
            silver and gold as fast as it can; its rate against the baseline's.
  soak      RATE events/s for MINUTES minutes through the stream. Per minute: freshness p50,
            p95 and p99 (Kafka timestamp -> end of the micro-batch that wrote silver) and the
            median batch time; the driver JVM's peak resident memory.

After a warm-up (Spark's start, code generation, Python workers: paid once by a long-running
stream) that is not reported. Usage:

  python bench/bench_streaming.py [--events 100000] [--rate 1000] [--minutes 10]
      [--trigger-seconds 1] [--max-offsets 20000] [--env local] [--write]

--write puts the table into docs/benchmarks.md (between its bench-stream markers) and the plot
into docs/images/bench-stream.png.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from pyarrow import fs
from pyspark import SparkContext

from jobs import lake, storage
from jobs.config import Settings, load_settings
from jobs.generator import generate_raw
from jobs.pipeline import run_pipeline
from jobs.spark import heap_size
from jobs.stream.batch import BatchReport, StreamOptions
from jobs.stream.freshness import merged, percentile, seconds_text
from jobs.stream.job import run_stream
from jobs.stream.producer import produce
from jobs.stream.segment import run_live_segment
from jobs.stream.sources import Catalogue, catalogue_from_silver, synthetic_transactions
from jobs.stream.spark_kafka import streaming_session
from jobs.stream.topics import EVENT_TOPICS, TRANSACTIONS, dead_letter_topic, ensure_topics, prefixed

LAKE_LAYERS = ("raw", "bronze", "silver", "gold", "quarantine")
DOCS = Path(__file__).resolve().parents[1] / "docs"
MARKERS = ("<!-- bench-stream:start -->", "<!-- bench-stream:end -->")


@dataclass(frozen=True)
class Minute:
    """One minute of the soak, counted by the end of its batches."""

    index: int
    batches: int
    events: int
    p50: float | None
    p95: float | None
    p99: float | None
    median_batch_seconds: float | None


def _delete_topics(settings: Settings, prefix: str) -> None:
    names = [name for topic in EVENT_TOPICS for name in (prefixed(topic, prefix), dead_letter_topic(prefixed(topic, prefix)))]
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    # Topics never created (inventory_movements here) fail to delete, which is fine.
    concurrent.futures.wait(list(admin.delete_topics(names, operation_timeout=30).values()), timeout=60)


def _lake(base: Settings, folder: str, name: str) -> Settings:
    """`base` with every lake layer in a place of its own: under `folder` (local) or `name` (S3)."""
    if base.env == "local":
        layers = {f"{layer}_uri": f"{folder}/{name}/{layer}" for layer in LAKE_LAYERS}
    else:
        layers = {f"{layer}_uri": storage.join(base.layer_uri(layer), name) for layer in LAKE_LAYERS}
    return base.model_copy(update={"storage": base.storage.model_copy(update=layers)})


def _copy_dimensions(source: Settings, target: Settings) -> None:
    for dataset in ("accounts", "products"):
        source_fs, source_path = storage.filesystem(source, lake.dataset_uri(source, "silver", dataset))
        target_fs, target_path = storage.filesystem(target, lake.dataset_uri(target, "silver", dataset))
        target_fs.create_dir(target_path, recursive=True)
        fs.copy_files(source_path, target_path, source_filesystem=source_fs, destination_filesystem=target_fs)


def _drop(settings: Settings, prefix: str) -> None:
    _delete_topics(settings, prefix)
    for layer in LAKE_LAYERS:
        storage.delete_dir(settings, settings.layer_uri(layer))


def plain_consumer_rate(settings: Settings, topic: str, events: int) -> float:
    """Events/s of a consumer that reads `events` records of `topic` from the start and does nothing."""
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": f"bench-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING) for partition in partitions])
        read, started = 0, time.perf_counter()
        while read < events:
            read += sum(1 for record in consumer.consume(num_messages=10_000, timeout=1.0) if not record.error())
        return read / (time.perf_counter() - started)
    finally:
        consumer.close()


def catch_up_rate(settings: Settings, options: StreamOptions, events: int) -> float:
    """Events/s of the stream job reading a topic that already holds `events` records."""
    started = time.perf_counter()
    reports = run_stream(settings, [TRANSACTIONS], options)
    seconds = time.perf_counter() - started
    in_silver = sum(report.silver_rows for report in reports)
    if in_silver != events:
        raise SystemExit(f"the catch-up run put {in_silver} of {events} events into silver")
    return events / seconds


def per_minute(reports: list[BatchReport]) -> list[Minute]:
    """The soak's batches grouped by the minute (from the first batch's start) they finished in."""
    busy = [report for report in reports if report.rows_in]
    start = min(report.started_at for report in busy)
    minutes: dict[int, list[BatchReport]] = {}
    for report in busy:
        minutes.setdefault(int((report.finished_at - start).total_seconds() // 60), []).append(report)
    table = []
    for index, batches in sorted(minutes.items()):
        counts = merged(report.freshness for report in batches)
        times = [(report.finished_at - report.started_at).total_seconds() for report in batches]
        table.append(Minute(index + 1, len(batches), sum(report.rows_in for report in batches), percentile(counts, 0.5),
                            percentile(counts, 0.95), percentile(counts, 0.99), statistics.median(times)))
    return table


def driver_peak_mib() -> float | None:
    """Peak resident memory (VmHWM) of this process's Spark driver JVM, in MiB."""
    gateway = SparkContext._gateway
    process = getattr(gateway, "proc", None)
    if process is None:
        return None
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _change(first: float, last: float) -> str:
    return f"{(last - first) / first * 100:+.0f}%"


def result_table(args, baseline: float, catch_up: float, minutes: list[Minute], reports: list[BatchReport],
                 peak_mib: float | None, budget: str) -> str:
    counts = merged(report.freshness for report in reports)
    events = sum(counts.values())
    edge = max(1, min(10, len(minutes) // 3))
    first = statistics.median(minute.median_batch_seconds for minute in minutes[:edge])
    last = statistics.median(minute.median_batch_seconds for minute in minutes[-edge:])
    rows = [
        ("measure", "result"),
        ("---", "---"),
        (f"plain consumer, {args.events:,} events", f"{baseline:,.0f} events/s"),
        (f"the stream catching up on {args.events:,} events",
         f"{catch_up:,.0f} events/s ({catch_up / baseline:.1%} of the plain consumer)"),
        (f"soak at {args.rate:,.0f} events/s for {args.minutes} min, freshness of all {events:,} events",
         ", ".join(f"p{share} {seconds_text(percentile(counts, share / 100))}" for share in (50, 95, 99))),
        (f"median batch time, first / last {edge} min", f"{first:.2f} s / {last:.2f} s ({_change(first, last)})"),
        (f"the driver's JVM, peak resident memory (budget {budget}, heap {heap_size(budget)})",
         "unknown" if peak_mib is None else f"{peak_mib:,.0f} MiB"),
    ]
    return "\n".join(f"| {left} | {right} |" for left, right in rows)


def minute_table(minutes: list[Minute]) -> str:
    lines = ["| minute | batches | events | p50 | p95 | p99 | median batch |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {m.index} | {m.batches} | {m.events:,} | {seconds_text(m.p50)} | {seconds_text(m.p95)} | {seconds_text(m.p99)} | "
              f"{seconds_text(m.median_batch_seconds)} |" for m in minutes]
    return "\n".join(lines)


def plot(minutes: list[Minute], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (freshness, batch) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    x = [minute.index for minute in minutes]
    for name in ("p50", "p95", "p99"):
        freshness.plot(x, [getattr(minute, name) for minute in minutes], marker=".", label=name)
    freshness.set_ylabel("freshness (s)")
    freshness.set_ylim(bottom=0)
    freshness.legend(loc="upper right")
    freshness.set_title("make bench-stream: produce to silver, per minute of the soak")
    batch.plot(x, [minute.median_batch_seconds for minute in minutes], marker=".", color="gray")
    batch.set_ylabel("median batch (s)")
    batch.set_ylim(bottom=0)
    batch.set_xlabel("minute")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write_docs(text: str) -> None:
    page = DOCS / "benchmarks.md"
    content = page.read_text()
    start, end = (content.index(marker) for marker in MARKERS)
    page.write_text(content[: start + len(MARKERS[0])] + "\n" + text + "\n" + content[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events of the baseline and the catch-up")
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s of the soak")
    parser.add_argument("--minutes", type=int, default=10, help="length of the soak")
    parser.add_argument("--trigger-seconds", type=float, default=1.0)
    parser.add_argument("--max-offsets", type=int, default=20_000)
    parser.add_argument("--env", default="local", choices=("local", "dev"))
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    args = parser.parse_args()

    base = load_settings(args.env)
    run = uuid.uuid4().hex[:8]
    started = datetime.now(UTC)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    streaming_session(base)  # first: the batch run below would start Spark without the Kafka source
    with tempfile.TemporaryDirectory(prefix="rtdp-bench-") as folder:
        # Silver accounts and products from a small batch run: what the synthetic events name and
        # what the stream checks them against.
        catalogue_settings = _lake(base, folder, f"bench-{run}-catalogue")
        generate_raw(catalogue_settings, transactions=1000, seed=1)
        run_pipeline(catalogue_settings, steps=("bronze", "silver"), run_id=f"bench-{run}")
        catalogue = catalogue_from_silver(catalogue_settings)

        def lake_for(kind: str) -> tuple[Settings, StreamOptions]:
            settings = _lake(base, folder, f"bench-{run}-{kind}")
            _copy_dimensions(catalogue_settings, settings)
            options = StreamOptions(trigger_seconds=args.trigger_seconds, max_offsets_per_trigger=args.max_offsets,
                                    topic_prefix=f"bench-{run}-{kind}.")
            return settings, options

        settings, options = lake_for("warm-up")
        try:
            run_live_segment(settings, events=1000, rate=None, catalogue=catalogue, options=options)
        finally:
            _drop(settings, options.topic_prefix)

        settings, options = lake_for("catch-up")
        try:
            baseline, catch_up = _baseline_and_catch_up(settings, options, catalogue, args.events)
        finally:
            _drop(settings, options.topic_prefix)
        print(f"plain consumer: {baseline:,.0f} events/s; the stream catching up: {catch_up:,.0f} events/s", flush=True)

        settings, options = lake_for("soak")
        try:
            soak = run_live_segment(settings, events=int(args.rate * args.minutes * 60), rate=args.rate,
                                    catalogue=catalogue, options=options, timeout_s=args.minutes * 60 + 900,
                                    trace_events=False)
        finally:
            _drop(settings, options.topic_prefix)
        for layer in LAKE_LAYERS:
            storage.delete_dir(catalogue_settings, catalogue_settings.layer_uri(layer))

    reports = [report for report in soak.batches if report.rows_in]
    minutes = per_minute(reports)
    if len(minutes) > 1 and minutes[-1].events < args.rate * 30:
        minutes.pop()  # the stream draining the last events after the producer stopped: not a minute of the soak
    summary = result_table(args, baseline, catch_up, minutes, reports, driver_peak_mib(), base.spark.driver_memory)
    print(summary)
    print(minute_table(minutes))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.write:
        plot(minutes, DOCS / "images" / "bench-stream.png")
        when = started.strftime("%Y-%m-%d %H:%M UTC")
        write_docs(f"`make bench-stream RATE={args.rate:.0f} MINUTES={args.minutes}` on {os.cpu_count()} cores, {when}:\n\n"
                   f"{summary}\n\n![Freshness and batch time per minute of the soak](images/bench-stream.png)\n\n"
                   f"<details><summary>Per minute</summary>\n\n{minute_table(minutes)}\n\n</details>")
        print("written: docs/benchmarks.md, docs/images/bench-stream.png")


def _baseline_and_catch_up(settings: Settings, options: StreamOptions, catalogue: Catalogue,
                           events: int) -> tuple[float, float]:
    topic = prefixed(TRANSACTIONS, options.topic_prefix)
    ensure_topics(settings.kafka.bootstrap_servers, [topic])
    produced = produce(settings.kafka.bootstrap_servers, topic, synthetic_transactions(catalogue), count=events)
    if produced.sent != events or produced.failed:
        raise SystemExit(f"the producer sent {produced.sent} of {events} events ({produced.failed} failed)")
    baseline = plain_consumer_rate(settings, topic, events)
    catch_up_options = StreamOptions(once=True, max_offsets_per_trigger=options.max_offsets_per_trigger,
                                     topic_prefix=options.topic_prefix)
    return baseline, catch_up_rate(settings, catch_up_options, events)


if __name__ == "__main__":
    main()
