"""The streaming job as its own process: killed mid-stream or stopped with SIGTERM, it resumes
from its checkpoint and silver ends with exactly the produced events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs.stream.batch import StreamOptions
from jobs.stream.job import run_stream
from jobs.stream.layout import stream_layout
from jobs.stream.producer import produce
from jobs.stream.progress import latest_progress
from jobs.stream.topics import EVENT_TOPICS, TRANSACTIONS, ensure_topics, prefixed
from stream_io import message, read_lake, transaction_document

pytestmark = [pytest.mark.integration, pytest.mark.spark]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EVENTS = 2000
PER_BATCH = 100


def _start_job(settings, prefix: str, log_file: Path) -> subprocess.Popen:
    """`rtdp stream run` for the test's lake and topics, in a process group of its own."""
    env = {
        **os.environ,
        **{f"RTDP_STORAGE__{layer.upper()}_URI": settings.layer_uri(layer) for layer in ("bronze", "silver", "gold", "quarantine")},
        "RTDP_SPARK__DRIVER_MEMORY": "1g",
        "RTDP_SPARK__SHUFFLE_PARTITIONS": "2",
    }
    command = [sys.executable, "-m", "jobs.stream.cli", "run", "--env", "dev", "--topic", TRANSACTIONS,
               "--topic-prefix", prefix, "--max-offsets", str(PER_BATCH), "--trigger-seconds", "0.5"]
    with log_file.open("ab") as log:
        return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _kill_group(job: subprocess.Popen) -> None:
    """SIGKILL the job and its Spark JVM (same process group), if anything of it is left."""
    try:
        os.killpg(job.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    job.wait()


def _wait_for_batch(settings, progress_uri: str, batch_id: int, job: subprocess.Popen, log_file: Path, timeout_s: float = 600):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert job.poll() is None, f"the stream job exited early: {log_file.read_text()[-2000:]}"
        progress = latest_progress(settings, progress_uri)
        if progress is not None and progress.batch_id >= batch_id:
            return
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} did not finish within {timeout_s} s: {log_file.read_text()[-2000:]}")


def _produce_events(settings, prefix: str) -> list[dict]:
    topic = prefixed(TRANSACTIONS, prefix)
    ensure_topics(settings.kafka.bootstrap_servers, [topic])
    documents = [transaction_document(number) for number in range(EVENTS)]
    summary = produce(settings.kafka.bootstrap_servers, topic, [message(document) for document in documents])
    assert (summary.sent, summary.failed) == (EVENTS, 0)
    return documents


def _silver_ids(settings) -> list[str]:
    table = read_lake(settings, stream_layout(settings, TRANSACTIONS, EVENT_TOPICS[TRANSACTIONS]).silver)
    return sorted(table.column("event_id").to_pylist()) if table is not None else []


def _finish(settings, prefix: str) -> None:
    run_stream(settings, [TRANSACTIONS], StreamOptions(once=True, topic_prefix=prefix, max_offsets_per_trigger=5000))


def test_killed_mid_stream_then_restarted_silver_has_every_event_once(stream_settings, topic_prefix, tmp_path):
    documents = _produce_events(stream_settings, topic_prefix)
    layout = stream_layout(stream_settings, TRANSACTIONS, EVENT_TOPICS[TRANSACTIONS])
    log_file = tmp_path / "job.log"
    job = _start_job(stream_settings, topic_prefix, log_file)
    try:
        _wait_for_batch(stream_settings, layout.progress, 1, job, log_file)
    finally:
        _kill_group(job)
    assert job.returncode == -signal.SIGKILL
    assert 0 < len(_silver_ids(stream_settings)) < EVENTS

    _finish(stream_settings, topic_prefix)

    assert _silver_ids(stream_settings) == sorted(document["event_id"] for document in documents)
    gold = read_lake(stream_settings, layout.gold)
    assert sorted(gold.column("transaction_id").to_pylist()) == sorted(document["transaction_id"] for document in documents)


def test_sigterm_stops_the_job_cleanly_and_the_next_run_resumes(stream_settings, topic_prefix, tmp_path):
    documents = _produce_events(stream_settings, topic_prefix)
    layout = stream_layout(stream_settings, TRANSACTIONS, EVENT_TOPICS[TRANSACTIONS])
    log_file = tmp_path / "job.log"
    job = _start_job(stream_settings, topic_prefix, log_file)
    try:
        _wait_for_batch(stream_settings, layout.progress, 0, job, log_file)
        job.send_signal(signal.SIGTERM)
        assert job.wait(timeout=300) == 0, log_file.read_text()[-2000:]
    finally:
        _kill_group(job)
    assert "micro-batches" in log_file.read_text()
    stopped_at = latest_progress(stream_settings, layout.progress)

    _finish(stream_settings, topic_prefix)

    assert _silver_ids(stream_settings) == sorted(document["event_id"] for document in documents)
    resumed = latest_progress(stream_settings, layout.progress)
    assert resumed.batch_id > stopped_at.batch_id
