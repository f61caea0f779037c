"""Runs inside the Airflow environment (.venv-airflow) on behalf of the tests in this folder.

The tests run in the project's environment, which has no Airflow; they call this script with
that environment's python and read the JSON it writes. It only reports facts (what the DagBag
holds, how a run ended); the tests make the assertions.

    airflow_driver.py inspect-dags OUT.json
    airflow_driver.py init-db
    airflow_driver.py test-dag DAG_ID LOGICAL_DATE|none VARIABLES.json CONF_JSON OUT.json

The caller sets AIRFLOW_HOME, AIRFLOW__CORE__DAGS_FOLDER and the platform's RTDP_* variables.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

# Modules a DAG file must not import while being parsed: they belong inside the tasks.
HEAVY_MODULES = ("pyspark", "duckdb", "pandas", "sklearn", "prophet", "ml", "jobs.pipeline", "jobs.serve.warehouse", "jobs.serve.reports",
                 "jobs.trust.quality")


def _dag_bag():
    # The bundle-aware bag puts the DAG folder on sys.path, as the DAG processor and workers do.
    from airflow.dag_processing.dagbag import BundleDagBag

    folder = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    return BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")


def _seconds(delta) -> float | None:
    return delta.total_seconds() if delta is not None else None


def inspect_dags(out: Path) -> None:
    bag = _dag_bag()
    dags = {}
    for dag_id, dag in bag.dags.items():
        dags[dag_id] = {
            "file": Path(dag.fileloc).name,
            "tags": sorted(dag.tags),
            "catchup": dag.catchup,
            "start_date": dag.start_date.isoformat() if dag.start_date else None,
            "max_active_runs": dag.max_active_runs,
            "dagrun_timeout": _seconds(dag.dagrun_timeout),
            "tasks": {
                task.task_id: {
                    "owner": task.owner,
                    "retries": task.retries,
                    "execution_timeout": _seconds(task.execution_timeout),
                    "has_failure_callback": bool(task.on_failure_callback),
                    "downstream": sorted(task.downstream_task_ids),
                }
                for task in dag.tasks
            },
        }
    report = {
        "import_errors": {str(path): str(error) for path, error in bag.import_errors.items()},
        "dags": dags,
        "heavy_modules_loaded": sorted(name for name in HEAVY_MODULES if name in sys.modules),
    }
    out.write_text(json.dumps(report, indent=2))


def init_db() -> None:
    from airflow.utils.db import initdb

    initdb()


def test_dag(dag_id: str, logical_date: str, variables_file: str, conf: str, out: Path) -> None:
    import pendulum
    from airflow.models.dagrun import DagRun

    dag = _dag_bag().get_dag(dag_id)
    date = None if logical_date == "none" else pendulum.parse(logical_date)
    started = time.monotonic()
    run = dag.test(logical_date=date, variable_file_path=variables_file, run_conf=json.loads(conf))
    elapsed = time.monotonic() - started
    task_states = {ti.task_id: str(ti.state) for ti in DagRun.fetch_task_instances(dag_id=dag_id, run_id=run.run_id)}
    out.write_text(
        json.dumps({"run_id": run.run_id, "state": str(run.state), "tasks": task_states, "seconds": round(elapsed, 1)})
    )


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "inspect-dags":
        inspect_dags(Path(args[0]))
    elif command == "init-db":
        init_db()
    elif command == "test-dag":
        test_dag(args[0], args[1], args[2], args[3], Path(args[4]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
