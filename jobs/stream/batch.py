"""One micro-batch of one topic, end to end: bronze, contract check, quarantine and dead
letters, gold, silver, progress. Called by Spark's foreachBatch with the batch id.

Exactly once into silver: every output of batch N is written under a name that contains N
(dynamic partition overwrite of `batch_id=N`, quarantine file `part-N`, progress file `N`), and
the batch's input, watermark and duplicate check depend only on batches before N. So when a crash
interrupts batch N, Spark runs N again on the same offsets and it replaces its own first attempt
instead of adding to it. Dead letters are the exception: see jobs.stream.dead_letters. (The
reference rules read the batch's silver as it is when a batch runs: a batch run again after the
batch pipeline loaded a missing account accepts what its first attempt rejected, and replaces
that attempt's outputs all the same.) The stream's own keys before N come from memory only when
N follows the batch they were last updated by, and from silver otherwise (jobs.stream.recent_keys).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.util import inheritable_thread_target

from jobs import storage
from jobs.config import Settings
from jobs.model import tables
from jobs.model.contracts import EventContract
from jobs.model.reasons import DEAD_LETTER_REASONS
from jobs.serve.gold_model import build_fact_transaction
from jobs.stream.classify import DETAIL, REASON, bronze_rows, classify, silver_rows
from jobs.stream.dead_letters import DeadLetter, DeadLetterSink
from jobs.stream.freshness import histogram
from jobs.stream.key_rules import KeyRecord
from jobs.stream.lag import KafkaLag
from jobs.stream.layout import StreamLayout
from jobs.stream.progress import BatchProgress, progress_before, write_progress
from jobs.stream.recent_keys import RecentKeys
from jobs.stream.silver_keys import SilverKeys


@dataclass(frozen=True)
class StreamOptions:
    """How the stream job runs; every field has a CLI option of `rtdp stream run`."""

    trigger_seconds: float = 2.0
    max_offsets_per_trigger: int | None = 20_000
    once: bool = False
    watermark_delay: timedelta = timedelta(minutes=10)
    max_future: timedelta = timedelta(minutes=5)
    topic_prefix: str = ""


@dataclass(frozen=True)
class StreamTarget:
    """Everything one topic's micro-batches need; fixed for the life of its query."""

    settings: Settings
    topic: str  # the broker-side name, prefix included
    contract: EventContract
    layout: StreamLayout
    options: StreamOptions
    dead_letters: DeadLetterSink
    silver_keys: SilverKeys
    recent_keys: RecentKeys
    lag: KafkaLag | None = None


@dataclass(frozen=True)
class BatchReport:
    """What one micro-batch did (times are UTC)."""

    topic: str
    batch_id: int
    rows_in: int
    silver_rows: int
    rejected: dict[str, int] = field(default_factory=dict)
    watermark: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lag: int | None = None
    freshness: dict[int, int] = field(default_factory=dict)  # jobs.stream.freshness

    def summary(self) -> str:
        rejected = ", ".join(f"{reason} {count}" for reason, count in sorted(self.rejected.items())) or "none"
        seconds = (self.finished_at - self.started_at).total_seconds() if self.started_at and self.finished_at else 0.0
        watermark = self.watermark.isoformat(sep=" ", timespec="seconds") if self.watermark else "none"
        lag = "unknown" if self.lag is None else str(self.lag)
        return (f"{self.topic} batch {self.batch_id}: {self.rows_in} in, {self.silver_rows} to silver, rejected: {rejected}; "
                f"watermark {watermark}; lag {lag}; {seconds:.1f} s")


@dataclass
class Totals:
    """Sums over micro-batches."""

    batches: int = 0
    rows_in: int = 0
    silver_rows: int = 0
    rejected: int = 0


class StreamTotals:
    """What the micro-batches of one run of the job did, per topic, as running sums: a job that
    streams for months cannot keep every batch's report. Added to by the queries' threads."""

    def __init__(self) -> None:
        self._topics: dict[str, Totals] = {}
        self._lock = threading.Lock()

    def add(self, report: BatchReport) -> None:
        with self._lock:
            totals = self._topics.setdefault(report.topic, Totals())
            totals.batches += 1
            totals.rows_in += report.rows_in
            totals.silver_rows += report.silver_rows
            totals.rejected += sum(report.rejected.values())

    def of(self, topic: str) -> Totals:
        """The sums of `topic` (broker-side name) so far."""
        with self._lock:
            return replace(self._topics.get(topic, Totals()))

    def overall(self) -> Totals:
        """The sums of every topic so far."""
        with self._lock:
            return Totals(*map(sum, zip(*map(astuple, self._topics.values()))))


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _overwrite_partitions(frame: DataFrame, uri: str, columns: list[str]) -> None:
    """Replace exactly the partitions `frame` has rows for; other batches' folders stay.

    Callers pass one Spark partition (a micro-batch is small): one file per folder."""
    frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy(*columns) \
        .parquet(storage.spark_path(uri))


def _write_quarantine(target: StreamTarget, rejects: list, batch_id: int) -> None:
    """The rejected records as `<quarantine>/stream_<topic>/part-<N>.parquet`: the columns of
    the quarantine table (sql/ddl/operations.sql), in its order, then the detail."""
    values = {
        "dataset": [target.layout.dataset] * len(rejects),
        "reason": [row[REASON] for row in rejects],
        "record": [_payload_text(row["value"]) for row in rejects],
        "source_file": [f"kafka:{row['kafka_topic']}/{row['kafka_partition']}/{row['kafka_offset']}" for row in rejects],
        "batch_id": [str(batch_id)] * len(rejects),
    }
    columns = {name: values[name] for name in tables.table("quarantine", tables.OPERATIONS).column_names}
    table = pa.table({**columns, "detail": [row[DETAIL] for row in rejects]})
    filesystem, folder = storage.filesystem(target.settings, target.layout.quarantine)
    filesystem.create_dir(folder, recursive=True)
    pq.write_table(table, f"{folder}/part-{batch_id:012d}.parquet", filesystem=filesystem)


def _payload_text(value: bytes | None) -> str | None:
    # Quarantine is read by people and SQL: text, with undecodable bytes marked. The dead letter
    # keeps the exact bytes.
    return bytes(value).decode("utf-8", errors="replace") if value is not None else None


def _dead_letters(rejects: list, batch_id: int) -> list[DeadLetter]:
    return [
        DeadLetter(key=_bytes(row["key"]), value=_bytes(row["value"]), reason=row[REASON], detail=row[DETAIL], source_topic=row["kafka_topic"],
                   source_partition=row["kafka_partition"], source_offset=row["kafka_offset"], batch_id=batch_id)
        for row in rejects if row[REASON] in DEAD_LETTER_REASONS
    ]


def _bytes(value: bytearray | None) -> bytes | None:
    return bytes(value) if value is not None else None


def _write_gold(target: StreamTarget, silver: DataFrame, batch_id: int) -> None:
    facts = build_fact_transaction(silver).withColumn("batch_id", F.lit(batch_id))
    _overwrite_partitions(facts.coalesce(1), target.layout.gold, ["batch_id"])


def process_batch(target: StreamTarget, batch: DataFrame, batch_id: int) -> BatchReport:
    """Run micro-batch `batch_id` of `target` on `batch`: its Kafka records as checked_rows gives
    them (jobs.stream.job defines that once, in the query)."""
    started = utc_now()
    settings, options = target.settings, target.options
    previous = progress_before(settings, target.layout.progress, batch_id)
    watermark = previous.watermark_after(options.watermark_delay) if previous else None
    offsets = dict(previous.offsets) if previous else {}
    max_event_time = previous.max_event_time if previous else None
    rows = batch.persist()
    try:
        tally = _process_rows(target, rows, batch_id, started, watermark)
    finally:
        rows.unpersist()
    offsets.update(tally.next_offsets)
    if tally.newest is not None and (max_event_time is None or tally.newest > max_event_time):
        max_event_time = tally.newest
    rejected = {reason: count for reason, count in tally.outcome.items() if reason is not None}
    rows_in, silver = sum(tally.outcome.values()), tally.outcome[None]
    finished = utc_now()
    freshness = histogram((finished - record.kafka_timestamp).total_seconds() for record in tally.accepted)
    write_progress(settings, target.layout.progress, BatchProgress(
        batch_id=batch_id, max_event_time=max_event_time, offsets=offsets, finished_at=finished, watermark=watermark,
        counts={"rows_in": rows_in, "silver": silver, **rejected}, started_at=started, freshness=freshness))
    lag = target.lag.lag(target.topic, offsets) if target.lag else None
    return BatchReport(target.topic, batch_id, rows_in, silver, rejected, watermark, started, finished, lag, freshness)


@dataclass(frozen=True)
class _Tally:
    outcome: Counter  # reason (None = accepted) -> records
    next_offsets: dict[str, int]  # partition -> offset after its last record in the batch
    newest: datetime | None  # newest accepted event_time
    accepted: list[KeyRecord]


def _tally(records: list[KeyRecord]) -> _Tally:
    """Records per reason, offsets reached, the accepted records and the newest event among them."""
    outcome = Counter(record.reason for record in records)
    next_offsets: dict[str, int] = {}
    for record in records:
        partition = str(record.partition)
        next_offsets[partition] = max(next_offsets.get(partition, 0), record.offset + 1)
    accepted = [record for record in records if record.reason is None]
    newest = max((record.event_time for record in accepted), default=None)
    return _Tally(outcome, next_offsets, newest, accepted)


def _process_rows(target: StreamTarget, rows: DataFrame, batch_id: int, started: datetime,
                  watermark: datetime | None) -> _Tally:
    """Write bronze, quarantine, dead letters, gold and silver for the batch's records.

    A write of a micro-batch is a small Spark job whose time is mostly fixed cost (planning,
    committing files), so two run at once: bronze beside the classification, gold beside silver.
    Each writes names of batch N only, so their order does not matter to exactly-once."""
    layout = target.layout
    inherit = inheritable_thread_target(rows.sparkSession)  # the Spark properties of this thread
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rtdp-batch-write") as beside:
        bronze = beside.submit(inherit(_overwrite_partitions),
                               bronze_rows(rows, batch_id, started).coalesce(1), layout.bronze, ["event_date", "batch_id"])
        classified = classify(rows, target.contract, watermark=watermark, max_future=target.options.max_future,
                              seen=target.recent_keys.before(batch_id, watermark), known=target.silver_keys.keys())
        tally = _tally(classified.records)
        if any(reason is not None for reason in tally.outcome):
            rejects = classified.frame.filter(F.col(REASON).isNotNull()) \
                .select("kafka_topic", "kafka_partition", "kafka_offset", "key", "value", REASON, DETAIL) \
                .orderBy("kafka_partition", "kafka_offset").collect()
            _write_quarantine(target, rejects, batch_id)
            target.dead_letters.send(_dead_letters(rejects, batch_id))
        if tally.outcome[None]:
            silver = silver_rows(classified.frame, target.contract, batch_id, started)
            gold = beside.submit(inherit(_write_gold), target, silver, batch_id) if layout.gold else None
            _overwrite_partitions(silver.coalesce(1), layout.silver, ["event_date", "batch_id"])
            if gold:
                gold.result()
        bronze.result()
    target.recent_keys.add(batch_id, tally.accepted)
    return tally
