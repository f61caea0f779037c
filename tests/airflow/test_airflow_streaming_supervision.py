"""The streaming supervision DAG: its shape in the DagBag, and two real `dag.test()` runs on the
`local` environment against the real broker. The first run finds no stream job, starts one and
waits until it serves; the events produced before it land in silver exactly once. The second run
finds the job healthy and leaves it alone."""

from __future__ import annotations

import dataclasses
import itertools
import time
from decimal import Decimal

import pyarrow.dataset as ds
import pytest

from jobs.config import Settings, load_settings
from jobs.stream.health import check_health
from jobs.stream.producer import produce
from jobs.stream.sources import Catalogue, synthetic_transactions
from jobs.stream.supervisor import stop_stream
from jobs.stream.topics import EVENT_TOPICS, TRANSACTIONS, ensure_topics, prefixed

pytestmark = pytest.mark.integration

DAG_ID = "platform_streaming_supervision"
EVENTS = 150
CATALOGUE = Catalogue(accounts=("A000001", "A000002"), products=(("P0001", Decimal("9.99")), ("P0002", Decimal("120.00"))))
WAIT_S = 600


def test_the_supervision_dag_has_one_owned_task_with_time_for_a_restart(airflow):
    dagbag = airflow.inspect_dags()
    assert dagbag["import_errors"] == {}
    dag = dagbag["dags"][DAG_ID]
    assert dag["file"] == f"{DAG_ID}.py"
    assert {"rtdp", "streaming"} <= set(dag["tags"])
    assert (dag["catchup"], dag["max_active_runs"]) == (False, 1)
    assert list(dag["tasks"]) == ["supervise_stream"]
    task = dag["tasks"]["supervise_stream"]
    assert task["owner"] == "data-platform"
    assert task["retries"] >= 1 and task["has_failure_callback"]
    # Stop grace (60 s) plus the default recovery timeout (600 s) fit in one try.
    assert task["execution_timeout"] > 660
    assert dag["dagrun_timeout"] >= task["execution_timeout"]


@pytest.fixture
def stream_world(airflow, local_stack, tmp_path, monkeypatch, silver_references):
    """A driver whose DAG runs keep the lake (with the batch's silver accounts and products) and
    the job's pid file in this test's folder, and the local settings the DAG task will load,
    seen from this process."""
    overrides = {f"RTDP_STORAGE__{layer.upper()}_URI": str(tmp_path / "lake" / layer)
                 for layer in ("bronze", "silver", "gold", "quarantine")}
    overrides["RTDP_STATE_DIR"] = str(tmp_path / "state")
    # The job is named after settings.env, which follows RTDP_ENV (jobs.config): keep it equal to the Variable.
    overrides["RTDP_ENV"] = "local"
    driver = dataclasses.replace(airflow, env={**airflow.env, **overrides})
    for name, value in {**overrides, "RTDP_HOME": str(airflow.platform_home)}.items():
        monkeypatch.setenv(name, value)
    settings = load_settings("local")
    silver_references(settings)
    return driver, settings


def _silver_ids(settings: Settings) -> list[str]:
    folder = settings.layer_uri("silver") + "/stream_transactions"
    table = ds.dataset(folder, format="parquet", partitioning="hive", ignore_prefixes=[".", "_"]).to_table(columns=["event_id"])
    return sorted(table.column("event_id").to_pylist())


def _wait_caught_up(settings: Settings, prefix: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        health = check_health(settings, topic_prefix=prefix)
        assert health.running, health.reason
        if set(health.lag.values()) == {0}:
            return
        time.sleep(1)
    raise AssertionError(f"the job did not read its topics to the end within {WAIT_S} s")


def test_the_dag_starts_a_missing_job_and_then_leaves_the_healthy_job_alone(stream_world, topic_prefix):
    driver, settings = stream_world
    bootstrap = settings.kafka.bootstrap_servers
    ensure_topics(bootstrap, [prefixed(topic, topic_prefix) for topic in EVENT_TOPICS])
    events = list(itertools.islice(synthetic_transactions(CATALOGUE, seed=5), EVENTS))
    summary = produce(bootstrap, prefixed(TRANSACTIONS, topic_prefix), events)
    assert (summary.sent, summary.failed) == (EVENTS, 0)
    assert check_health(settings, topic_prefix=topic_prefix).reason.startswith("not running (no pid file")

    conf = {"topic_prefix": topic_prefix}
    try:
        first = driver.test_dag(DAG_ID, "2026-11-20T10:00:00+00:00", conf)
        assert first.state == "success", first.log[-3000:]
        assert first.tasks == {"supervise_stream": "success"}
        assert "restarted (not running (no pid file" in first.log, first.log[-5000:]
        print(f"{DAG_ID}: dag.test() that started the missing job took {first.seconds:.0f} s")
        health = check_health(settings, topic_prefix=topic_prefix)
        assert health.running, health.reason
        _wait_caught_up(settings, topic_prefix)
        assert _silver_ids(settings) == sorted(event.event_id for event in events)

        second = driver.test_dag(DAG_ID, "2026-11-20T10:05:00+00:00", conf)
        assert second.state == "success", second.log[-3000:]
        assert "healthy, left alone" in second.log, second.log[-5000:]
        assert check_health(settings, topic_prefix=topic_prefix).pid == health.pid
    finally:
        stopped = stop_stream(settings, topic_prefix)
    assert stopped.state == "stopped"
