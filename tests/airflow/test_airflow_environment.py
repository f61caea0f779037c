"""The Airflow environment holds exactly the pinned versions: Airflow's lock and the project's pins."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_DIR = PROJECT_ROOT / "infra" / "airflow"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[_canonical(re.sub(r"\[.*\]", "", name))] = version.strip()
    return pins


def _project_pins() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return _pins(project["dependencies"] + project["optional-dependencies"]["ml"])


def _lock_pins() -> dict[str, str]:
    lines = (AIRFLOW_DIR / "requirements.txt").read_text().splitlines()
    lines += (AIRFLOW_DIR / "constraints.txt").read_text().splitlines()
    return _pins(lines)


@pytest.mark.unit
def test_each_version_is_pinned_in_one_place_only():
    assert _lock_pins()["apache-airflow"] == "3.3.2"
    assert set(_lock_pins()) & set(_project_pins()) == set()


@pytest.mark.integration
def test_the_airflow_environment_has_the_project_pins_and_the_airflow_lock(airflow):
    python = PROJECT_ROOT / ".venv-airflow" / "bin" / "python"
    freeze = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    installed = _pins(freeze)
    expected = _project_pins() | _lock_pins()
    assert {name: installed.get(name) for name in expected} == expected
