"""requirements.lock pins the whole environment that pyproject.toml's pins resolve to."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _locked() -> dict[str, tuple[str, int]]:
    """Package -> (version, number of hashes) as written in requirements.lock."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text())
    locked = {}
    for entry in entries:
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s\\;]+)", entry)
        if match:
            locked[canonicalize_name(match.group(1))] = (match.group(2), entry.count("--hash=sha256:"))
    return locked


def test_every_pin_of_pyproject_is_locked_at_its_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["dev"]
            + project["optional-dependencies"]["ml"]]
    versions = {name: version for name, (version, _) in _locked().items()}
    found = [(pin, versions.get(canonicalize_name(pin.name), "missing")) for pin in pins]
    wrong = {str(pin): version for pin, version in found if version not in pin.specifier}
    assert not wrong, f"requirements.lock disagrees with pyproject.toml (run `make lock`): {wrong}"


def test_every_locked_package_has_a_hash():
    locked = _locked()
    assert len(locked) > 100  # the parse found the entries
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []
