"""The supervisor's rules that need neither Spark nor a broker: the health verdict, the job's name
and command line, the settings it hands over, and that a stop signals only the job's own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from typer.main import get_command

from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.operate.stack.processes import is_alive
from jobs.stream.background import RecordedJob, job_environment, launch_job, recorded_job, run_command, stream_job
from jobs.stream.batch import StreamOptions
from jobs.stream.cli import app
from jobs.stream.health import HealthLimits, TopicHealth, judge
from jobs.stream.supervisor import start_stream, stop_stream

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, 12, 0, 0)
LIMITS = HealthLimits(stall_seconds=300, max_lag=1000)
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _running(started_seconds_ago: float, pid: int = 4242) -> RecordedJob:
    return RecordedJob(pid=pid, command=["python"], started_at=NOW - timedelta(seconds=started_seconds_ago), running=True)


def _topic(lag: int | None, committed_seconds_ago: float | None = None, name: str = "transactions") -> TopicHealth:
    last_commit = NOW - timedelta(seconds=committed_seconds_ago) if committed_seconds_ago is not None else None
    return TopicHealth(topic=name, lag=lag, last_batch=7 if last_commit else None, last_commit=last_commit,
                       lag_error=None if lag is not None else "broker down")


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_a_job_never_started_or_exited_is_not_running():
    assert judge(None, [_topic(0)], LIMITS, NOW) == (False, "not running (no pid file: not started, or stopped)")
    exited = RecordedJob(pid=77, command=["python"], started_at=NOW, running=False)
    assert judge(exited, [_topic(0)], LIMITS, NOW, problem="ERROR boom") == (
        False, "not running (pid 77 has exited); last problem in its log: ERROR boom")


def test_an_idle_job_with_nothing_waiting_is_healthy_however_long_ago_it_committed():
    healthy, reason = judge(_running(86_400), [_topic(0, committed_seconds_ago=86_000)], LIMITS, NOW)
    assert healthy
    assert reason == "running (pid 4242); lag: transactions 0; last micro-batch 86000 s ago"


def test_records_waiting_without_a_commit_for_longer_than_the_limit_is_a_stall():
    healthy, reason = judge(_running(3600), [_topic(0, 10, "inventory_movements"), _topic(12, committed_seconds_ago=301)],
                            LIMITS, NOW)
    assert not healthy
    assert reason == "stalled: transactions has 12 records waiting and no micro-batch committed for 301 s (limit 300 s)"
    assert judge(_running(3600), [_topic(12, committed_seconds_ago=299)], LIMITS, NOW)[0]


def test_a_job_that_committed_nothing_since_its_start_is_judged_from_its_start():
    # Spark takes a while to start: a young job is not stalled yet, an old one is.
    assert judge(_running(120), [_topic(50, committed_seconds_ago=5000)], LIMITS, NOW)[0]
    assert judge(_running(120), [_topic(50)], LIMITS, NOW) == (True, "running (pid 4242); lag: transactions 50; no micro-batch yet")
    healthy, reason = judge(_running(400), [_topic(50)], LIMITS, NOW)
    assert (healthy, reason.split(":")[0]) == (False, "stalled")
    assert "for 400 s" in reason


def test_a_topic_too_far_behind_is_unhealthy_even_while_committing():
    assert judge(_running(3600), [_topic(1001, committed_seconds_ago=1)], LIMITS, NOW) == (
        False, "behind: transactions is 1,001 records behind (limit 1,000)")
    assert judge(_running(3600), [_topic(1000, committed_seconds_ago=1)], LIMITS, NOW)[0]


def test_an_unknown_lag_is_unhealthy_with_the_broker_error():
    assert judge(_running(60), [_topic(None)], LIMITS, NOW) == (False, "lag of transactions unknown: broker down")


def test_a_job_whose_role_keys_expire_within_the_renewal_margin_is_restarted_for_new_ones():
    expires = NOW + timedelta(minutes=20)
    assert judge(_running(60), [_topic(0)], LIMITS, NOW, keys_expire_at=expires)[0]
    assert judge(_running(60), [_topic(0)], LIMITS, NOW + timedelta(minutes=5), keys_expire_at=expires) == (
        False, "keys expiring: the keys of its role expire at 2026-03-01 12:20 UTC; a restart gives it new ones")


def test_one_job_per_environment_and_prefix_in_the_state_folder(local_settings, state):
    assert stream_job(local_settings).name == "stream-local"
    job = stream_job(local_settings, "dev.")
    assert (job.name, job.pid_file, job.log_file) == ("stream-local-dev", state / "pids" / "stream-local-dev.json",
                                                      state / "logs" / "stream-local-dev.log")
    with pytest.raises(PlatformError, match="topic prefix 'Dev' must be empty"):
        stream_job(local_settings, "Dev")


def test_the_command_line_means_the_options_it_was_built_from(local_settings):
    options = StreamOptions(trigger_seconds=0.5, max_offsets_per_trigger=123, watermark_delay=timedelta(seconds=90),
                            max_future=timedelta(seconds=42), topic_prefix="test-x.")
    command = run_command(local_settings, ["transactions", "inventory_movements"], options)
    assert command[:4] == [sys.executable, "-m", "jobs.stream.cli", "run"]
    # Parsed by the real `rtdp stream run` command line.
    params = get_command(app).commands["run"].make_context("run", command[4:]).params
    assert params == {"env": "local", "topic": ("transactions", "inventory_movements"), "once": False, "trigger_seconds": 0.5,
                      "max_offsets": 123, "watermark_delay": 90.0, "max_future": 42.0, "topic_prefix": "test-x."}


def test_the_job_loads_exactly_the_settings_it_was_started_with(local_settings, monkeypatch):
    settings = local_settings.model_copy(deep=True, update={
        "storage": local_settings.storage.model_copy(update={"silver_uri": "s3://elsewhere/silver"})})
    settings.spark.driver_memory = "1g"
    settings.kafka.bootstrap_servers = "127.0.0.1:19092"
    for name, value in job_environment(settings).items():
        if name.startswith("RTDP_"):
            monkeypatch.setenv(name, value)
    assert load_settings(settings.env).model_dump() == settings.model_dump()


def test_nested_settings_such_as_the_cluster_reach_the_job_too(monkeypatch):
    settings = load_settings("dev")
    settings.spark.cluster.worker_memory = "768m"
    for name, value in job_environment(settings).items():
        if name.startswith("RTDP_"):
            monkeypatch.setenv(name, value)
    assert load_settings("dev").model_dump() == settings.model_dump()


def test_start_refuses_a_run_once_job(local_settings, state):
    with pytest.raises(PlatformError, match="runs until stopped"):
        start_stream(local_settings, ["transactions"], StreamOptions(once=True))


def test_stop_signals_the_process_it_started_and_never_a_stranger(local_settings, state):
    job = stream_job(local_settings)
    launch_job(job, SLEEPER, {})
    recorded = recorded_job(job)
    assert recorded.running and recorded.command == SLEEPER

    stopped = stop_stream(local_settings, grace_s=10)
    assert (stopped.state, stopped.pid) == ("stopped", recorded.pid)
    assert not is_alive(recorded.pid)
    assert recorded_job(job) is None

    # A pid file naming a process that runs another command (e.g. a recycled pid) is not the job's.
    sleeper = launch_job(job, SLEEPER, {})
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(121)"])
    try:
        job.pid_file.write_text(job.pid_file.read_text().replace(str(sleeper), str(stranger.pid)))
        assert not recorded_job(job).running
        assert stop_stream(local_settings, grace_s=10).state == "not running"
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
        os.kill(sleeper, signal.SIGKILL)
