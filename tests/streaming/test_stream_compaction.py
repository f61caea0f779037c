"""Compaction beside the running stream, on the real broker and the S3 emulator: a reader that
lists silver through jobs.stream.compaction.batch_files while the stream writes and the
compaction rewrites never sees a row twice, never loses one it saw, and at the end every
produced event is in each layer once, in few files."""

from __future__ import annotations

import threading
import time

import pyarrow.dataset as ds
import pytest

from jobs import storage
from jobs.stream.batch import StreamOptions
from jobs.stream.compaction import batch_files, compact_streams
from jobs.stream.job import run_stream
from jobs.stream.layout import stream_layout
from jobs.stream.producer import produce
from jobs.stream.topics import EVENT_TOPICS, ensure_topics, prefixed
from stream_io import message, read_lake, transaction_document

pytestmark = [pytest.mark.integration, pytest.mark.spark]

EVENTS = 1200


def _silver_ids(settings, silver: str) -> list[str]:
    """The event ids of silver, read as the warehouse and the dashboard read a streamed layer."""
    filesystem, _ = storage.filesystem(settings, silver)
    files = [file for day in storage.subfolders(settings, silver) if day.startswith("event_date=")
             for file in batch_files(settings, storage.join(silver, day))]
    if not files:
        return []
    return ds.dataset(files, filesystem=filesystem, format="parquet").to_table(columns=["event_id"]).column(
        "event_id").to_pylist()


def test_compaction_beside_the_running_stream_doubles_and_loses_nothing(stream_settings, topic_prefix):
    topic = prefixed("transactions", topic_prefix)
    ensure_topics(stream_settings.kafka.bootstrap_servers, [topic])
    layout = stream_layout(stream_settings, "transactions", EVENT_TOPICS["transactions"])
    documents = [transaction_document(number) for number in range(EVENTS)]
    produced = {document["event_id"] for document in documents}
    stop, reading = threading.Event(), threading.Event()
    reports, reads, problems, violations = [], [], [], []

    def stream() -> None:
        options = StreamOptions(trigger_seconds=0.5, max_offsets_per_trigger=100, topic_prefix=topic_prefix)
        run_stream(stream_settings, ["transactions"], options, stop=stop, on_batch=reports.append)

    def read() -> None:
        before: set[str] = set()
        while not reading.is_set():
            try:
                ids = _silver_ids(stream_settings, layout.silver)
            except (FileNotFoundError, OSError) as error:  # listed before a grace period that ran out: read again
                problems.append(str(error))
                continue
            now = set(ids)
            if len(ids) != len(now) or not before <= now or not now <= produced:
                violations.append(f"read {len(reads)}: {len(ids)} rows, {len(now)} ids, "
                                  f"{len(before - now)} lost, {len(now - produced)} never produced")
            reads.append(len(ids))
            before = now

    streamer, reader = threading.Thread(target=stream), threading.Thread(target=read)
    streamer.start()
    reader.start()
    compactions = []
    try:
        for start in range(0, EVENTS, 200):
            produce(stream_settings.kafka.bootstrap_servers, topic, [message(d) for d in documents[start:start + 200]])
            compactions += compact_streams(stream_settings, ["transactions"], grace_s=0.5)
        # Until the stream has recorded the batch that finished silver, not only written it: stopped
        # between the two, it leaves that batch to run again, and compaction never takes a stream's
        # last recorded batch, so two batches would stay uncompacted.
        deadline = time.monotonic() + 600  # generous: a busy CI machine runs the whole suite beside it
        while (reads[-1:] != [EVENTS] or sum(report.rows_in for report in reports) < EVENTS) \
                and time.monotonic() < deadline:
            compactions += compact_streams(stream_settings, ["transactions"], grace_s=0.5)
            time.sleep(1)
    finally:
        reading.set()
        stop.set()
        reader.join(60)
        streamer.join(120)
    assert not streamer.is_alive() and not reader.is_alive(), "the stream or the reader did not stop"
    compactions += compact_streams(stream_settings, ["transactions"], grace_s=0)

    assert violations == []
    assert len(reads) > 5 and reads[-1] == EVENTS, (reads[-3:], problems[-3:])
    assert any(compaction.folder.startswith(layout.silver) for compaction in compactions)
    silver = read_lake(stream_settings, layout.silver)
    assert sorted(silver.column("event_id").to_pylist()) == sorted(produced)
    assert sorted(read_lake(stream_settings, layout.gold).column("transaction_id").to_pylist()) == \
        sorted(document["transaction_id"] for document in documents)
    assert read_lake(stream_settings, layout.bronze).num_rows == EVENTS
    # Few files: per folder, the compacted one and at most the last batch's own.
    for layer in (layout.bronze, layout.silver):
        for day in storage.subfolders(stream_settings, layer):
            assert len(batch_files(stream_settings, storage.join(layer, day))) <= 2
    assert len(batch_files(stream_settings, layout.gold)) <= 2
    assert len(reports) >= EVENTS // 100  # at most 100 records a batch: many micro-batches to compact
