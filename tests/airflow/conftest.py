"""Fixtures of the Airflow tests.

Airflow lives in its own environment, `.venv-airflow` (built by infra/airflow/install.sh), so
that its dependencies never touch the project's `.venv`. These tests run in the project's
environment and drive Airflow through `airflow_driver.py`, executed by that environment's python
with a private AIRFLOW_HOME (SQLite metadata database) and a private platform home.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_PYTHON = PROJECT_ROOT / ".venv-airflow" / "bin" / "python"
DRIVER = Path(__file__).with_name("airflow_driver.py")
DAGS_FOLDER = PROJECT_ROOT / "dags"
LOG_TAIL_LINES = 60


@dataclass(frozen=True)
class DagTestRun:
    """How one `dag.test()` ended: run id, run state, state per task, and its full log."""

    run_id: str
    state: str
    tasks: dict[str, str]
    seconds: float
    log: str


@dataclass(frozen=True)
class AirflowDriver:
    """Calls airflow_driver.py in the Airflow environment with a fixed, isolated environment."""

    home: Path
    platform_home: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: int = 600) -> str:
        """Run one driver command; fail the test with the end of its output if it fails."""
        completed = subprocess.run(
            [str(AIRFLOW_PYTHON), str(DRIVER), *args],
            check=False,
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = completed.stdout + completed.stderr
        if completed.returncode != 0:
            tail = "\n".join(output.splitlines()[-LOG_TAIL_LINES:])
            pytest.fail(f"airflow driver '{args[0]}' exited with {completed.returncode}:\n{tail}")
        return output

    def inspect_dags(self) -> dict:
        out = self.home / "dagbag.json"
        self.run("inspect-dags", str(out))
        return json.loads(out.read_text())

    def test_dag(self, dag_id: str, logical_date: str | None, conf: dict | None = None) -> DagTestRun:
        """`dag.test()` of `dag_id` for `logical_date` (None for an asset-triggered DAG)."""
        out = self.home / f"{dag_id}-run.json"
        log = self.run(
            "test-dag", dag_id, logical_date or "none", str(self.home / "variables.json"), json.dumps(conf or {}),
            str(out), timeout=3600,
        )
        result = json.loads(out.read_text())
        return DagTestRun(result["run_id"], result["state"], result["tasks"], result["seconds"], log)


def _isolated_environment(home: Path, platform_home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AIRFLOW", "RTDP_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        RTDP_HOME=str(platform_home),
        # Deliberately another environment: the runs only work if the DAGs read the Airflow
        # Variable rtdp_env (= local, from variables.json), which must win over RTDP_ENV.
        RTDP_ENV="dev",
        RTDP_SPARK__DRIVER_MEMORY="1g",
        RTDP_SPARK__SHUFFLE_PARTITIONS="2",
    )
    return env


@pytest.fixture(scope="session")
def airflow(tmp_path_factory) -> AirflowDriver:
    """An initialised Airflow (metadata database migrated) reading the repository's dags/."""
    if not AIRFLOW_PYTHON.is_file():
        pytest.fail(
            f"the Airflow environment is missing ({AIRFLOW_PYTHON.relative_to(PROJECT_ROOT)}): "
            "build it with infra/airflow/install.sh (run by `make test`)",
            pytrace=False,
        )
    home = tmp_path_factory.mktemp("airflow_home")
    platform_home = tmp_path_factory.mktemp("rtdp_home")
    (home / "variables.json").write_text(json.dumps({"rtdp_env": "local"}))
    driver = AirflowDriver(home, platform_home, _isolated_environment(home, platform_home))
    driver.run("init-db")
    return driver

