"""Every DAG file parses in Airflow and follows the platform's scheduling rules."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
DAILY_BATCH_CHAIN = ["bronze", "silver", "gold", "warehouse", "reports"]


@pytest.fixture(scope="module")
def dagbag(airflow) -> dict:
    return airflow.inspect_dags()


def _dag_files() -> set[str]:
    ignored = set((DAGS_FOLDER / ".airflowignore").read_text().split())
    return {path.name for path in DAGS_FOLDER.glob("*.py") if path.name not in ignored}


def _has_cycle(tasks: dict[str, dict]) -> bool:
    """Kahn's algorithm: a graph has a cycle when some task never reaches in-degree zero."""
    indegree = {task: 0 for task in tasks}
    for spec in tasks.values():
        for child in spec["downstream"]:
            indegree[child] += 1
    ready = [task for task, degree in indegree.items() if degree == 0]
    visited = 0
    while ready:
        task = ready.pop()
        visited += 1
        for child in tasks[task]["downstream"]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return visited != len(tasks)


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag["import_errors"] == {}
    assert {spec["file"] for spec in dagbag["dags"].values()} == _dag_files()


def test_the_platform_dags_are_there(dagbag):
    assert {"platform_daily_batch", "platform_data_quality", "platform_weekly_ml"} <= set(dagbag["dags"])


def test_every_task_has_an_owner_retries_a_timeout_and_an_alert(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        assert dag["tasks"], dag_id
        for task_id, task in dag["tasks"].items():
            where = f"{dag_id}.{task_id}"
            assert task["owner"] not in ("", "airflow"), where  # "airflow" is Airflow's placeholder owner
            assert task["retries"] >= 1, where
            assert task["execution_timeout"] and task["execution_timeout"] > 0, where
            assert task["has_failure_callback"], where


def test_every_dag_is_tagged_and_scheduled_sensibly(dagbag):
    now = dt.datetime.now(dt.UTC)
    for dag_id, dag in dagbag["dags"].items():
        assert "rtdp" in dag["tags"], dag_id
        assert dag["catchup"] is False, dag_id
        assert dt.datetime.fromisoformat(dag["start_date"]) < now, dag_id
        assert dag["max_active_runs"] == 1, dag_id  # the jobs overwrite shared outputs
        assert dag["dagrun_timeout"] and dag["dagrun_timeout"] > 0, dag_id


def test_no_dag_has_a_cycle(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        assert not _has_cycle(dag["tasks"]), dag_id


def test_cycle_check_detects_a_cycle():
    assert _has_cycle({"a": {"downstream": ["b"]}, "b": {"downstream": ["a"]}})
    assert not _has_cycle({"a": {"downstream": ["b"]}, "b": {"downstream": []}})


def test_daily_batch_runs_the_medallion_steps_in_order(dagbag):
    tasks = dagbag["dags"]["platform_daily_batch"]["tasks"]
    assert set(tasks) == set(DAILY_BATCH_CHAIN)
    for upstream, downstream in itertools.pairwise(DAILY_BATCH_CHAIN):
        assert tasks[upstream]["downstream"] == [downstream]
    assert tasks["reports"]["downstream"] == []


def test_weekly_ml_trains_then_reloads_the_warehouse_and_reports(dagbag):
    tasks = dagbag["dags"]["platform_weekly_ml"]["tasks"]
    assert {name: task["downstream"] for name, task in tasks.items()} == {
        "train_and_score": ["warehouse"], "warehouse": ["reports"], "reports": []}


def test_parsing_the_dags_imports_no_data_libraries(dagbag):
    # Spark, DuckDB, the ML libraries and the jobs are imported inside the tasks: parsing stays fast.
    assert dagbag["heavy_modules_loaded"] == []
