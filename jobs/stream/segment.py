"""A short live segment of the real-time path, measured: what `make demo` shows and the
benchmark repeats at scale.

Synthetic transactions are produced at a chosen rate on a background thread while the stream
job runs on this one; once every produced event is read (the stream's offsets reach the
topic's end), the job stops. Freshness of each produced event = end of the micro-batch that
wrote it to silver and gold minus its Kafka timestamp (the moment it was produced).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyspark.sql import functions as F

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.stream.batch import BatchReport, StreamOptions, utc_now
from jobs.stream.events import OutgoingEvent
from jobs.stream.job import run_stream
from jobs.stream.lag import KafkaLag
from jobs.stream.layout import stream_layout
from jobs.stream.producer import ProduceSummary, produce
from jobs.stream.progress import latest_progress
from jobs.stream.sources import Catalogue, catalogue_from_silver, synthetic_transactions
from jobs.stream.spark_kafka import streaming_session
from jobs.stream.topics import TRANSACTIONS, contract_of, ensure_topics, prefixed


@dataclass(frozen=True)
class SegmentSummary:
    """Outcome of one live segment; latencies in seconds, one per produced event found in silver."""

    produced: ProduceSummary
    in_silver: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    batches: list[BatchReport] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        """Events per second from the first send to the end of the last batch."""
        return self.in_silver / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, share: float) -> float | None:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(share * 100) - 1]


def _tracked(events: Iterator[OutgoingEvent], ids: list[str]) -> Iterator[OutgoingEvent]:
    for event in events:
        ids.append(event.event_id)
        yield event


def _stop_when_caught_up(settings: Settings, topic: str, progress_uri: str, producer: threading.Thread,
                         stop: threading.Event, deadline: float) -> None:
    """Set `stop` once the producer is done and the stream has read the topic to its end."""
    producer.join(max(deadline - time.monotonic(), 0))
    probe = KafkaLag(settings.kafka.bootstrap_servers)
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            progress = latest_progress(settings, progress_uri)
            if not producer.is_alive() and progress is not None and probe.lag(topic, progress.offsets) == 0:
                break
            time.sleep(0.5)
    finally:
        probe.close()
        stop.set()


def run_live_segment(settings: Settings, *, events: int = 3000, rate: float | None = 500.0, topic_prefix: str = "",
                     catalogue: Catalogue | None = None, options: StreamOptions | None = None,
                     timeout_s: float = 900, trace_events: bool = True) -> SegmentSummary:
    """Produce `events` synthetic transactions at `rate` per second (None: as fast as possible)
    and stream them into bronze, silver and gold; measure how fresh each one arrived.

    Needs the Kafka broker and the batch's silver accounts and products (what the events name
    and the stream checks). Raises PlatformError if not every produced event reached silver
    within `timeout_s`. `trace_events=False` (a long soak on a topic of its own): no per-event
    latencies (each batch's report has its freshness histogram), and the events counted in
    silver are the batches' accepted records.
    """
    options = options or StreamOptions(trigger_seconds=1.0, topic_prefix=topic_prefix)
    topic = prefixed(TRANSACTIONS, options.topic_prefix)
    layout = stream_layout(settings, TRANSACTIONS, contract_of(TRANSACTIONS))
    catalogue = catalogue or catalogue_from_silver(settings)
    ensure_topics(settings.kafka.bootstrap_servers, [topic])
    streaming_session(settings)  # start Spark before the clock: its start-up is not latency
    produced_ids: list[str] = []
    summaries: list[ProduceSummary] = []
    stop = threading.Event()
    deadline = time.monotonic() + timeout_s
    source = synthetic_transactions(catalogue)
    source = _tracked(source, produced_ids) if trace_events else source
    producer = threading.Thread(name="segment-producer", daemon=True, target=lambda: summaries.append(
        produce(settings.kafka.bootstrap_servers, topic, source, rate=rate, count=events)))
    watcher = threading.Thread(name="segment-watcher", daemon=True, target=_stop_when_caught_up,
                               args=(settings, topic, layout.progress, producer, stop, deadline))
    started_at = utc_now()
    producer.start()
    watcher.start()
    reports: list[BatchReport] = []  # a segment is bounded: its reports fit in memory
    run_stream(settings, [TRANSACTIONS], options, stop=stop, on_batch=reports.append)
    watcher.join()
    if not summaries:
        raise PlatformError(f"the producer did not finish sending {events} events within {timeout_s:.0f} s")
    latencies = _latencies(settings, layout.silver, produced_ids, reports) if trace_events else []
    in_silver = len(latencies) if trace_events else sum(report.silver_rows for report in reports)
    if in_silver < summaries[0].sent:
        raise PlatformError(f"only {in_silver} of {summaries[0].sent} produced events reached silver within {timeout_s:.0f} s")
    last_write = max((report.finished_at for report in reports if report.silver_rows), default=started_at)
    return SegmentSummary(summaries[0], in_silver, (last_write - started_at).total_seconds(), latencies, reports)


def _latencies(settings: Settings, silver_uri: str, event_ids: list[str], reports: list[BatchReport]) -> list[float]:
    """Seconds from production to the end of the writing batch, for each of `event_ids` in silver."""
    finished = {report.batch_id: report.finished_at for report in reports if report.silver_rows}
    if not finished or not storage.exists(settings, silver_uri):
        return []
    spark = streaming_session(settings)
    ids = spark.createDataFrame([(event_id,) for event_id in event_ids], "event_id string")
    rows = spark.read.parquet(storage.spark_path(silver_uri)).where(F.col("batch_id").isin(list(finished))) \
        .join(F.broadcast(ids), "event_id").select("batch_id", "kafka_timestamp").collect()
    return [(finished[row["batch_id"]] - row["kafka_timestamp"]).total_seconds() for row in rows]
