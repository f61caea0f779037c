"""The supervisor against the real broker and S3 emulator: the stream job started in the background,
killed with SIGKILL, found not running, restarted by one round of supervision (what the Airflow
DAG runs), and silver ends with every produced event exactly once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from jobs.operate.stack.processes import is_alive
from jobs.stream.batch import StreamOptions
from jobs.stream.health import HealthLimits, StreamHealth, check_health
from jobs.stream.layout import stream_layout
from jobs.stream.producer import produce
from jobs.stream.supervisor import start_stream, stop_stream, supervise, wait_until_serving
from jobs.stream.topics import EVENT_TOPICS, TRANSACTIONS, ensure_topics, prefixed
from stream_io import message, read_lake, transaction_document

pytestmark = [pytest.mark.integration, pytest.mark.spark]

TOPICS = [TRANSACTIONS]
PER_BATCH = 100
WAIT_S = 600


def _produce(settings, prefix: str, numbers: range) -> list[dict]:
    documents = [transaction_document(number) for number in numbers]
    summary = produce(settings.kafka.bootstrap_servers, prefixed(TRANSACTIONS, prefix), [message(d) for d in documents])
    assert (summary.sent, summary.failed) == (len(documents), 0)
    return documents


def _silver_ids(settings) -> list[str]:
    table = read_lake(settings, stream_layout(settings, TRANSACTIONS, EVENT_TOPICS[TRANSACTIONS]).silver)
    return sorted(table.column("event_id").to_pylist()) if table is not None else []


def _caught_up(settings, prefix: str, log_file: Path) -> StreamHealth:
    """Poll the health check until the job has read the topic to its end."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        health = check_health(settings, TOPICS, prefix)
        assert health.running, f"{health.reason}\n{log_file.read_text()[-3000:]}"
        if health.lag == {prefixed(TRANSACTIONS, prefix): 0}:
            return health
        time.sleep(1)
    raise AssertionError(f"the job did not catch up within {WAIT_S} s: {log_file.read_text()[-3000:]}")


def _group_alive(group: int) -> bool:
    """True while a live (not zombie) process belongs to process group `group`."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


@pytest.fixture
def state_dir(tmp_path, monkeypatch) -> Path:
    """Pid files and logs of this test's job in a folder of its own."""
    monkeypatch.setenv("RTDP_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_a_killed_job_is_found_restarted_and_new_events_land_once(stream_settings, topic_prefix, state_dir):
    settings, prefix = stream_settings, topic_prefix
    ensure_topics(settings.kafka.bootstrap_servers, [prefixed(TRANSACTIONS, prefix)])
    options = StreamOptions(trigger_seconds=0.5, max_offsets_per_trigger=PER_BATCH, topic_prefix=prefix)
    first = _produce(settings, prefix, range(250))
    try:
        started = start_stream(settings, TOPICS, options)
        assert started.state == "started"
        assert started.log_file.parent == state_dir / "logs"
        serving = wait_until_serving(settings, TOPICS, prefix, timeout_s=WAIT_S)
        assert serving.running and serving.pid == started.pid
        healthy = _caught_up(settings, prefix, started.log_file)
        assert healthy.healthy, healthy.reason
        assert healthy.seconds_since_commit is not None
        assert _silver_ids(settings) == sorted(d["event_id"] for d in first)

        # Started again with the same options: the healthy job is reused, not doubled.
        again = start_stream(settings, TOPICS, options)
        assert (again.state, again.pid) == ("already running", started.pid)

        os.kill(started.pid, signal.SIGKILL)
        while is_alive(started.pid):  # the signal lands a moment after kill() returns
            time.sleep(0.1)
        checked = time.monotonic()
        killed = check_health(settings, TOPICS, prefix)
        detect_s = time.monotonic() - checked
        assert (killed.running, killed.healthy) == (False, False)
        assert killed.reason.startswith(f"not running (pid {started.pid} has exited")
        # The Spark JVM notices its driver is gone and exits by itself: nothing of the old job is left.
        deadline = time.monotonic() + 120
        while _group_alive(started.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _group_alive(started.pid)

        second = _produce(settings, prefix, range(250, 480))
        round_one = supervise(settings, TOPICS, options, recovery_timeout_s=WAIT_S)
        assert round_one.restarted
        print(f"supervisor: the kill detected by one health check in {detect_s:.1f} s; restarted and serving again "
              f"(first micro-batch committed) after {round_one.seconds:.0f} s")
        assert not round_one.before.running
        assert round_one.after.running and round_one.after.pid != started.pid
        restarted = _caught_up(settings, prefix, started.log_file)
        assert restarted.pid == round_one.after.pid
        assert _silver_ids(settings) == sorted(d["event_id"] for d in first + second)

        # The next round finds it healthy and leaves it alone.
        round_two = supervise(settings, TOPICS, options, recovery_timeout_s=WAIT_S)
        assert not round_two.restarted
        assert round_two.after.pid == round_one.after.pid

        # Very strict limits turn the idle-but-caught-up job unhealthy only if records wait.
        assert check_health(settings, TOPICS, prefix, HealthLimits(stall_seconds=1, max_lag=0)).healthy
    finally:
        stopped = stop_stream(settings, prefix)
    assert stopped.state == "stopped"
    assert not (state_dir / "pids" / f"{started.name}.json").exists()
    assert stop_stream(settings, prefix).state == "not running"
    assert not check_health(settings, TOPICS, prefix).running
