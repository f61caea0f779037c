"""The stack's recipes and jar cache belong to the installation; only its state follows RTDP_HOME."""

from pathlib import Path

import pytest

from jobs.config import load_settings
from jobs.operate.stack.paths import stack_paths

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_another_home_moves_the_state_but_not_the_recipes_or_the_jar_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("RTDP_STATE_DIR", raising=False)
    monkeypatch.delenv("RTDP_CACHE_DIR", raising=False)
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    paths = stack_paths(load_settings("dev"))
    assert paths.state == tmp_path.resolve() / ".state"
    assert (paths.recipes / "kafka" / "pom.xml").is_file()
    assert paths.recipes == PROJECT_ROOT / "infra" / "local"
    assert paths.cache == PROJECT_ROOT / ".cache"


def test_cache_and_state_folders_can_be_moved_by_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RTDP_STATE_DIR", str(tmp_path / "state"))
    paths = stack_paths(load_settings("dev"))
    assert paths.cache == tmp_path / "cache"
    assert paths.state == tmp_path / "state"
