"""Measure the real-time path: sustained events/s producer -> Kafka -> bronze -> silver (and gold),
and the latency from produce time to silver, on the running local stack.

After a warm-up, two runs on fresh topics and a temporary lake (the project's data is not touched):
  throughput: EVENTS events sent as fast as possible; events/s = events in silver divided by the
              time from the first send to the end of the last micro-batch.
  latency:    events sent at RATE per second (below capacity); p50/p95/max of the time from each
              event's Kafka timestamp to the end of the micro-batch that wrote it to silver and gold.

Usage: python bench/bench_streaming.py [--events 30000] [--rate 200] [--latency-events 3000]
       [--max-offsets 20000] [--trigger-seconds 1] [--env local]
Needs the stack: `make up`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import tempfile
import uuid

from confluent_kafka.admin import AdminClient
from pyarrow import fs

from jobs import lake, storage
from jobs.config import Settings, load_settings
from jobs.generator import generate_raw
from jobs.pipeline import run_pipeline
from jobs.stream.batch import StreamOptions
from jobs.stream.segment import SegmentSummary, run_live_segment
from jobs.stream.sources import catalogue_from_silver
from jobs.stream.topics import EVENT_TOPICS, dead_letter_topic, prefixed

LAKE_LAYERS = ("raw", "bronze", "silver", "gold", "quarantine")


def _print(title: str, summary: SegmentSummary) -> None:
    batches = [report for report in summary.batches if report.rows_in]
    seconds_per_batch = sum((r.finished_at - r.started_at).total_seconds() for r in batches) / max(len(batches), 1)
    print(f"{title}")
    print(f"  produced        {summary.produced.sent:,} events at {summary.produced.rate:,.0f}/s (producer alone)")
    print(f"  in silver       {summary.in_silver:,} events in {summary.seconds:.1f} s -> {summary.throughput:,.0f} events/s sustained")
    print(f"  micro-batches   {len(batches)}, {sum(r.rows_in for r in batches) / max(len(batches), 1):,.0f} records "
          f"and {seconds_per_batch:.1f} s each on average")
    print(f"  latency         p50 {summary.percentile(0.5):.2f} s, p95 {summary.percentile(0.95):.2f} s, "
          f"max {max(summary.latencies):.2f} s (Kafka timestamp -> silver and gold)")


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
        fs.copy_files(source_path, target_path, source_filesystem=source_fs, destination_filesystem=target_fs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30_000, help="events of the throughput run")
    parser.add_argument("--rate", type=float, default=200.0, help="events/s of the latency run")
    parser.add_argument("--latency-events", type=int, default=3_000, help="events of the latency run")
    parser.add_argument("--max-offsets", type=int, default=20_000)
    parser.add_argument("--trigger-seconds", type=float, default=1.0)
    parser.add_argument("--env", default="local", choices=("local", "dev"))
    args = parser.parse_args()

    base = load_settings(args.env)
    run = uuid.uuid4().hex[:8]
    # Other work on the machine slows every micro-batch: say how busy it was.
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="rtdp-bench-") as folder:
        # Silver accounts and products, from a small batch run: what the synthetic events name
        # and what the stream checks them against.
        catalogue_settings = _lake(base, folder, f"bench-{run}-catalogue")
        generate_raw(catalogue_settings, transactions=1000, seed=1)
        run_pipeline(catalogue_settings, steps=("bronze", "silver"), run_id=f"bench-{run}")
        catalogue = catalogue_from_silver(catalogue_settings)
        # The warm-up pays the one-off costs (JVM start, code generation, Python workers) that a
        # long-running stream pays once; it is not reported.
        runs = (("warm-up", "", 1000, None),
                ("throughput", "as fast as possible", args.events, None),
                ("latency", f"at {args.rate:,.0f} events/s", args.latency_events, args.rate))
        for kind, title, events, rate in runs:
            settings = _lake(base, folder, f"bench-{run}-{kind}")
            _copy_dimensions(catalogue_settings, settings)
            prefix = f"bench-{run}-{kind}."
            options = StreamOptions(trigger_seconds=args.trigger_seconds, max_offsets_per_trigger=args.max_offsets,
                                    topic_prefix=prefix)
            try:
                summary = run_live_segment(settings, events=events, rate=rate, catalogue=catalogue, options=options)
            finally:
                _delete_topics(settings, prefix)
                for layer in LAKE_LAYERS:
                    storage.delete_dir(settings, settings.layer_uri(layer))
            if title:
                _print(f"{kind} ({title})", summary)
        for layer in LAKE_LAYERS:
            storage.delete_dir(catalogue_settings, catalogue_settings.layer_uri(layer))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
