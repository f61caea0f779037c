"""The Spark Structured Streaming job: one query per topic, Kafka source -> foreachBatch.

Each query reads its topic from the earliest offset on first start and from its checkpoint
afterwards, `max_offsets_per_trigger` records at most per micro-batch, every `trigger_seconds`
(or, with `once`, everything available now in as many batches as needed, then stops). Each
micro-batch is handled by jobs.stream.batch.process_batch and logged in one line.

`run_stream` blocks until the queries finish (`once`) or `stop` is set (the CLI sets it on
SIGTERM and Ctrl-C), then stops the queries; a query stopped mid-batch redoes that batch on
the next start, without duplicates (see jobs.stream.batch).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.model.references import STREAM_RULES
from jobs.stream.batch import BatchReport, StreamOptions, StreamTarget, StreamTotals, process_batch
from jobs.stream.classify import checked_rows, kafka_rows
from jobs.stream.dead_letters import DeadLetterSink, KafkaDeadLetters
from jobs.stream.lag import KafkaLag
from jobs.stream.layout import StreamLayout, stream_layout
from jobs.stream.recent_keys import RecentKeys
from jobs.stream.silver_keys import SilverKeys
from jobs.stream.spark_kafka import streaming_session
from jobs.stream.stream_lineage import stream_lineage
from jobs.stream.topics import EVENT_TOPICS, contract_of, ensure_topics, prefixed

log = logging.getLogger("rtdp.streaming")

OnBatch = Callable[[BatchReport], None]


def stream_targets(settings: Settings, topics: Sequence[str], options: StreamOptions, dead_letters: DeadLetterSink,
                   lag: KafkaLag | None = None) -> list[StreamTarget]:
    """One target per platform topic name in `topics` (without prefix)."""
    return [stream_target(settings, topic, options, dead_letters, lag) for topic in topics]


def stream_target(settings: Settings, topic: str, options: StreamOptions, dead_letters: DeadLetterSink,
                  lag: KafkaLag | None = None) -> StreamTarget:
    """The target of one platform topic name (without prefix)."""
    contract = contract_of(topic)
    layout = stream_layout(settings, topic, contract)
    rules = STREAM_RULES[contract.name]
    business_key = rules.business_key.column if rules.business_key else None
    return StreamTarget(settings=settings, topic=prefixed(topic, options.topic_prefix), contract=contract,
                        layout=layout, options=options, dead_letters=dead_letters,
                        silver_keys=SilverKeys(settings, rules), recent_keys=RecentKeys(settings, layout.silver, business_key),
                        lag=lag)


def require_checkpoint_with_data(settings: Settings, layout: StreamLayout) -> None:
    """Refuse to start over on data whose checkpoint is gone: batch numbers would restart at 0
    and overwrite the batches already in silver."""
    has_checkpoint = storage.exists(settings, storage.join(layout.checkpoint, "offsets"))
    if not has_checkpoint and (storage.exists(settings, layout.silver) or storage.exists(settings, layout.progress)):
        raise PlatformError(f"{layout.silver} has data but its checkpoint {layout.checkpoint} is missing: restore it, "
                            f"or delete the stream's bronze, silver, gold and quarantine folders to start over")


def start_query(spark: SparkSession, target: StreamTarget, on_batch: OnBatch) -> StreamingQuery:
    """Start the streaming query of `target`; `on_batch` gets each batch's report."""
    options = target.options
    reader = (spark.readStream.format("kafka")
              .option("kafka.bootstrap.servers", target.settings.kafka.bootstrap_servers)
              .option("subscribe", target.topic)
              .option("startingOffsets", "earliest")
              # Reading must never create a topic (e.g. recreate one just deleted): ensure_topics does that.
              .option("kafka.allow.auto.create.topics", "false"))
    if options.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(options.max_offsets_per_trigger))

    def handle(batch: DataFrame, batch_id: int) -> None:
        report = process_batch(target, batch, batch_id)
        log.info(report.summary())
        on_batch(report)

    # Defined once for the query, not rebuilt from Python for every micro-batch.
    checked = checked_rows(kafka_rows(reader.load()), target.contract)
    writer = (checked.writeStream.queryName("stream_" + target.topic.replace(".", "_"))
              .option("checkpointLocation", storage.spark_path(target.layout.checkpoint))
              .foreachBatch(handle))
    writer = writer.trigger(availableNow=True) if options.once else writer.trigger(processingTime=f"{options.trigger_seconds} seconds")
    return writer.start()


def _failure(query: StreamingQuery, target: StreamTarget) -> PlatformError | None:
    error = query.exception()
    if error is None:
        return None
    log.error("stream of topic %s failed", target.topic, exc_info=error)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    cause = next((line for line in reversed(lines) if "PlatformError" in line), lines[0] if lines else type(error).__name__)
    return PlatformError(f"the stream of topic {target.topic} stopped: {cause}")


def run_stream(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), options: StreamOptions | None = None,
               *, stop: threading.Event | None = None, on_batch: OnBatch | None = None) -> StreamTotals:
    """Stream `topics` (platform names, without prefix) into bronze, silver and gold until the
    queries finish (`options.once`) or `stop` is set; return the sums of the batches' reports.
    `on_batch` gets each report as its batch ends, from the query's thread.

    Raises PlatformError if the broker is unreachable, a checkpoint is inconsistent or a query fails.
    Emits the OpenLineage runs of jobs.stream.stream_lineage.
    """
    options = options or StreamOptions()
    stop = stop or threading.Event()
    bootstrap = settings.kafka.bootstrap_servers
    ensure_topics(bootstrap, [prefixed(topic, options.topic_prefix) for topic in topics])
    lag = KafkaLag(bootstrap)
    dead_letters = KafkaDeadLetters(bootstrap)
    targets = stream_targets(settings, topics, options, dead_letters, lag)
    totals = StreamTotals()

    def handle(report: BatchReport) -> None:
        totals.add(report)
        if on_batch:
            on_batch(report)

    queries: list[tuple[StreamingQuery, StreamTarget]] = []
    try:
        for target in targets:
            require_checkpoint_with_data(settings, target.layout)
        spark = streaming_session(settings)
        # Which code runs where: the checkout's in local Spark, or a deployed release's on a cluster.
        log.info("streaming %s with the code in %s on %s as %s", ", ".join(target.topic for target in targets),
                 Path(__file__).resolve().parents[1], spark.sparkContext.master, spark.sparkContext.appName)
        with stream_lineage(settings, targets, options.topic_prefix, totals) as lineage:
            for target in targets:
                queries.append((start_query(spark, target, handle), target))
            while not stop.is_set():
                for query, target in queries:
                    failure = None if query.isActive else _failure(query, target)
                    if failure:
                        raise failure
                if not any(query.isActive for query, _ in queries):
                    break
                lineage.tick()
                stop.wait(0.5)
            for query, _ in queries:
                # Stopped before the totals are taken: no batch still running is left out.
                query.stop()
    finally:
        for query, _ in queries:
            query.stop()
        lag.close()
        dead_letters.close()
    return totals
