"""`make bench-stream`: the real-time path measured in one run on the running local stack, on
fresh topics and a temporary lake (the project's data is not touched).

  baseline  EVENTS events on a fresh topic, read by a plain confluent-kafka consumer (partitions
            assigned, so no group rebalance is timed; nothing done with the records).
  catch-up  the stream job reading the same EVENTS events, already on the topic, into bronze,
            silver and gold as fast as it can; its rate against the baseline's.
  soak      RATE events/s for MINUTES minutes through the stream. Per minute: freshness p50,
            p95 and p99 (Kafka timestamp -> end of the micro-batch that wrote silver) and the
            median batch time; the driver JVM's peak resident memory.
  upkeep    beside the soak, every COMPACT_MINUTES in a process of its own, as Airflow's tasks
            would: a warehouse refresh over the stream's files (`rtdp warehouse`), then their
            compaction (`rtdp stream compact`); the files in each streamed layer before and
            after. At the end, silver read as any reader does holds every event exactly once.

After a warm-up (Spark's start, code generation, Python workers: paid once by a long-running
stream) that is not reported. Usage:

  python bench/bench_streaming.py [--events 100000] [--rate 1000] [--minutes 10]
      [--trigger-seconds 1] [--max-offsets 20000] [--compact-minutes 5] [--env local] [--write]

--write puts the table into docs/benchmarks.md (between its bench-stream markers) and the plot
into docs/images/bench-stream.png.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import pyarrow.parquet as pq
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from pyarrow import fs
from pyspark import SparkContext

from jobs import lake, storage
from jobs.config import Settings, load_settings
from jobs.generator import generate_raw
from jobs.pipeline import run_pipeline
from jobs.serve.warehouse import build_warehouse
from jobs.spark import heap_size
from jobs.stream.batch import BatchReport, StreamOptions
from jobs.stream.compaction import batch_files, compact_streams
from jobs.stream.freshness import merged, percentile, seconds_text
from jobs.stream.job import run_stream
from jobs.stream.layout import stream_layout
from jobs.stream.producer import produce
from jobs.stream.segment import run_live_segment
from jobs.stream.sources import Catalogue, catalogue_from_silver, synthetic_transactions
from jobs.stream.spark_kafka import streaming_session
from jobs.stream.topics import EVENT_TOPICS, TRANSACTIONS, contract_of, dead_letter_topic, ensure_topics, prefixed

LAKE_LAYERS = ("raw", "bronze", "silver", "gold", "quarantine", "truth")
STREAMED_LAYERS = ("bronze", "silver", "gold")
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


@dataclass(frozen=True)
class Upkeep:
    """One round of upkeep beside the soak: a warehouse refresh, then a compaction."""

    minute: float  # since the soak began
    files_before: dict[str, int]  # streamed layer -> its Parquet files
    files_after: dict[str, int]
    warehouse_seconds: float
    fact_rows: int
    compaction_seconds: float  # without the grace period readers get


def _delete_topics(settings: Settings, prefix: str) -> None:
    names = [name for topic in EVENT_TOPICS for name in (prefixed(topic, prefix), dead_letter_topic(prefixed(topic, prefix)))]
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    # Topics never created (inventory_movements here) fail to delete, which is fine.
    concurrent.futures.wait(list(admin.delete_topics(names, operation_timeout=30).values()), timeout=60)


def _lake(base: Settings, folder: str, name: str) -> Settings:
    """`base` with every lake layer, the warehouse and its lineage events in a place of its own: under `folder`
    (local) or `name` (S3; the warehouse is a local file in any case)."""
    if base.env == "local":
        layers = {f"{layer}_uri": f"{folder}/{name}/{layer}" for layer in LAKE_LAYERS}
    else:
        layers = {f"{layer}_uri": storage.join(base.layer_uri(layer), name) for layer in LAKE_LAYERS}
    warehouse = base.warehouse.model_copy(update={"path": f"{folder}/{name}/warehouse/warehouse.duckdb",
                                                  "reports_dir": f"{folder}/{name}/reports"})
    # The lineage events too: the warehouse refresh loads them, and the project's own file is not the bench's.
    lineage = base.lineage.model_copy(update={"events_path": f"{folder}/{name}/warehouse/lineage_events.jsonl"})
    return base.model_copy(update={"storage": base.storage.model_copy(update=layers), "warehouse": warehouse,
                                   "lineage": lineage})


def _copy_lake(source: Settings, target: Settings) -> None:
    """The batch's silver accounts and products (what the stream checks events against) and its
    gold (what the warehouse loads besides the stream's facts)."""
    pairs = [(lake.dataset_uri(source, "silver", dataset), lake.dataset_uri(target, "silver", dataset))
             for dataset in ("accounts", "products")] + [(source.layer_uri("gold"), target.layer_uri("gold"))]
    for source_uri, target_uri in pairs:
        source_fs, source_path = storage.filesystem(source, source_uri)
        target_fs, target_path = storage.filesystem(target, target_uri)
        target_fs.create_dir(target_path, recursive=True)
        fs.copy_files(source_path, target_path, source_filesystem=source_fs, destination_filesystem=target_fs)


def stream_files(settings: Settings) -> dict[str, int]:
    """Parquet files of the transactions stream in each streamed layer."""
    layout = stream_layout(settings, TRANSACTIONS, contract_of(TRANSACTIONS))
    counts = {}
    for layer, folder in zip(STREAMED_LAYERS, (layout.bronze, layout.silver, layout.gold), strict=True):
        filesystem, path = storage.filesystem(settings, folder)
        listing = filesystem.get_file_info(fs.FileSelector(path, recursive=True, allow_not_found=True))
        counts[layer] = sum(1 for info in listing if info.type == fs.FileType.File and info.path.endswith(".parquet"))
    return counts


def upkeep(settings: Settings, grace_s: float) -> dict:
    """One round: refresh the warehouse, then compact the stream (the fields of Upkeep but the minute)."""
    before = stream_files(settings)
    started = time.perf_counter()
    fact_rows = build_warehouse(settings)["fact_transaction"]
    warehouse_s = time.perf_counter() - started
    started = time.perf_counter()
    compacted = compact_streams(settings, [TRANSACTIONS], grace_s=grace_s)
    compaction_s = time.perf_counter() - started - (grace_s if compacted else 0.0)
    return {"files_before": before, "files_after": stream_files(settings), "warehouse_seconds": warehouse_s,
            "fact_rows": fact_rows, "compaction_seconds": compaction_s}


def silver_rows(settings: Settings) -> int:
    """The stream's silver rows as every reader takes them (jobs.stream.compaction.batch_files)."""
    silver = stream_layout(settings, TRANSACTIONS, contract_of(TRANSACTIONS)).silver
    filesystem, _ = storage.filesystem(settings, silver)
    rows = 0
    for day in storage.subfolders(settings, silver):
        for path in batch_files(settings, storage.join(silver, day)):
            rows += pq.ParquetFile(path, filesystem=filesystem).metadata.num_rows
    return rows


class Upkeeper:
    """Rounds of `upkeep` every `minutes`, each in a process of its own (this script with
    --upkeep, not the driver's process: as a scheduler would run them), from start until stop."""

    def __init__(self, settings: Settings, folder: str, minutes: float, grace_s: float = 30.0) -> None:
        self.every_s, self.grace_s = minutes * 60, grace_s
        self.settings_file = Path(folder) / "upkeep-settings.json"
        self.settings_file.write_text(settings.model_dump_json())
        self.rounds: list[Upkeep] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(name="bench-upkeep", daemon=True, target=self._run)
        self._started = time.monotonic()  # the soak starts right after (`with Upkeeper(...)`)

    def __enter__(self) -> Self:
        if self.every_s:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """No round after the one under way (which this waits for)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def round(self) -> Upkeep:
        command = [sys.executable, __file__, "--upkeep", str(self.settings_file), "--grace-seconds", str(self.grace_s)]
        result = subprocess.run(command, text=True, capture_output=True, check=False)
        if result.returncode:
            raise RuntimeError(f"upkeep failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        done = Upkeep((time.monotonic() - self._started) / 60, **json.loads(result.stdout.splitlines()[-1]))
        self.rounds.append(done)
        print(f"upkeep at minute {done.minute:.0f}: warehouse {done.warehouse_seconds:.1f} s ({done.fact_rows:,} facts), "
              f"compaction {done.compaction_seconds:.1f} s, files {done.files_before} -> {done.files_after}", flush=True)
        return done

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.round()
            except RuntimeError as error:  # reported at the end: the soak goes on
                self.errors.append(str(error))


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
    in_silver = run_stream(settings, [TRANSACTIONS], options).overall().silver_rows
    seconds = time.perf_counter() - started
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
                 peak_mib: float | None, budget: str, rounds: list[Upkeep], silver: int) -> str:
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
    beside = rounds[:-1]  # the last round came after the stream stopped
    if len(beside) >= 2:
        first, last = beside[0].warehouse_seconds, beside[-1].warehouse_seconds
        rows.append((f"warehouse refresh beside the stream, every {args.compact_minutes:g} min: first / last round",
                     f"{first:.1f} s / {last:.1f} s ({_change(first, last)})"))
    if rounds:
        rows += [
            ("files of the stream, most before / after a compaction",
             ", ".join(f"{layer} {max(r.files_before[layer] for r in rounds):,} / {max(r.files_after[layer] for r in rounds):,}"
                       for layer in STREAMED_LAYERS)),
            ("compaction of all three layers, median round (grace period apart)",
             f"{statistics.median(r.compaction_seconds for r in rounds):.1f} s"),
            ("silver after the soak, read as every reader lists it", f"{silver:,} rows, each event once"),
        ]
    return "\n".join(f"| {left} | {right} |" for left, right in rows)


def minute_table(minutes: list[Minute]) -> str:
    lines = ["| minute | batches | events | p50 | p95 | p99 | median batch |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {m.index} | {m.batches} | {m.events:,} | {seconds_text(m.p50)} | {seconds_text(m.p95)} | {seconds_text(m.p99)} | "
              f"{seconds_text(m.median_batch_seconds)} |" for m in minutes]
    return "\n".join(lines)


def upkeep_table(rounds: list[Upkeep]) -> str:
    lines = ["| minute | files before (bronze, silver, gold) | warehouse refresh | facts | compaction | files after |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.minute:.0f} | {', '.join(str(r.files_before[layer]) for layer in STREAMED_LAYERS)} | "
              f"{r.warehouse_seconds:.1f} s | {r.fact_rows:,} | {r.compaction_seconds:.1f} s | "
              f"{', '.join(str(r.files_after[layer]) for layer in STREAMED_LAYERS)} |" for r in rounds]
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
    parser.add_argument("--compact-minutes", type=float, default=5.0,
                        help="minutes between upkeep rounds (warehouse refresh, compaction) beside the soak; 0: none")
    parser.add_argument("--env", default="local", choices=("local", "dev"))
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    parser.add_argument("--upkeep", metavar="SETTINGS_JSON", help=argparse.SUPPRESS)  # one round, for Upkeeper
    parser.add_argument("--grace-seconds", type=float, default=30.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upkeep:
        settings = Settings.model_validate_json(Path(args.upkeep).read_text())
        print(json.dumps(upkeep(settings, args.grace_seconds)))
        return

    base = load_settings(args.env)
    run = uuid.uuid4().hex[:8]
    started = datetime.now(UTC)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    streaming_session(base)  # first: the batch run below would start Spark without the Kafka source
    with tempfile.TemporaryDirectory(prefix="rtdp-bench-") as folder:
        # A small batch run: its silver accounts and products are what the synthetic events name
        # and the stream checks them against; its gold is what the warehouse loads with the stream.
        catalogue_settings = _lake(base, folder, f"bench-{run}-catalogue")
        generate_raw(catalogue_settings, transactions=1000, seed=1)
        run_pipeline(catalogue_settings, run_id=f"bench-{run}")
        catalogue = catalogue_from_silver(catalogue_settings)

        def lake_for(kind: str) -> tuple[Settings, StreamOptions]:
            settings = _lake(base, folder, f"bench-{run}-{kind}")
            _copy_lake(catalogue_settings, settings)
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
            with Upkeeper(settings, folder, args.compact_minutes) as upkeeper:
                soak = run_live_segment(settings, events=int(args.rate * args.minutes * 60), rate=args.rate,
                                        catalogue=catalogue, options=options, timeout_s=args.minutes * 60 + 900,
                                        trace_events=False)
                upkeeper.stop()
                if args.compact_minutes:
                    upkeeper.round()  # the stream stopped: its last batches too
            if upkeeper.errors:
                raise SystemExit(f"an upkeep round failed beside the soak: {upkeeper.errors[0]}")
            streamed, silver = sum(report.silver_rows for report in soak.batches), silver_rows(settings)
            if silver != streamed:
                raise SystemExit(f"silver holds {silver:,} rows as readers list it; the stream wrote {streamed:,}")
        finally:
            _drop(settings, options.topic_prefix)
        for layer in LAKE_LAYERS:
            storage.delete_dir(catalogue_settings, catalogue_settings.layer_uri(layer))

    reports = [report for report in soak.batches if report.rows_in]
    minutes = per_minute(reports)
    if len(minutes) > 1 and minutes[-1].events < args.rate * 30:
        minutes.pop()  # the stream draining the last events after the producer stopped: not a minute of the soak
    summary = result_table(args, baseline, catch_up, minutes, reports, driver_peak_mib(), base.spark.driver_memory,
                           upkeeper.rounds, silver)
    print(summary)
    print(minute_table(minutes))
    print(upkeep_table(upkeeper.rounds))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.write:
        plot(minutes, DOCS / "images" / "bench-stream.png")
        when = started.strftime("%Y-%m-%d %H:%M UTC")
        write_docs(f"`make bench-stream RATE={args.rate:.0f} MINUTES={args.minutes}` on {os.cpu_count()} cores, {when}:\n\n"
                   f"{summary}\n\n![Freshness and batch time per minute of the soak](images/bench-stream.png)\n\n"
                   f"<details><summary>Per minute</summary>\n\n{minute_table(minutes)}\n\n</details>\n\n"
                   f"<details><summary>Upkeep rounds</summary>\n\n{upkeep_table(upkeeper.rounds)}\n\n</details>")
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
