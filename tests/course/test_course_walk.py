"""The course walked as a learner walks it, in a throw-away copy of this checkout: for every
written day, its checkpoint fails first; then its reference solution is applied and every
command its lesson shows runs, the checkpoint among them, and passes.

Day 1's `make demo` runs here on a small scale without the live stream (SCALE=2000
STREAM_EVENTS=0), so the walk stays short and leaves the shared Kafka broker to other tests. A
day whose lesson starts the local stack (`make up`) gets a private one: its own state folder
and free loopback ports, stopped at the end whatever happened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from course import ROOT
from course.syllabus import DAYS
from jobs.config import load_settings
from jobs.operate.stack import stack_down
from jobs.operate.stack.processes import free_port_pair
from lesson_text import commands

pytestmark = pytest.mark.e2e

WRITTEN = [d for d in DAYS if d.written]
CHEAPER = {"make demo": "make demo SCALE=2000 STREAM_EVENTS=0"}


@pytest.fixture(scope="module")
def learner(tmp_path_factory) -> Path:
    """A copy of the checkout's files (tracked and new, not ignored), sharing its virtual
    environment; its own code comes first on the import path."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    copy = tmp_path_factory.mktemp("learner") / "rtdp"
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / relative)  # keeps mtimes: make sees the environment as installed
    (copy / ".venv").symlink_to(ROOT / ".venv")
    (copy / ".cache").mkdir()
    (copy / ".cache" / "terraform").symlink_to(ROOT / ".cache" / "terraform")  # what `make tools` built
    return copy


@pytest.fixture(scope="module")
def private_stack(tmp_path_factory, learner) -> dict[str, str]:
    """Settings overrides that give `make up` and the dev targets a stack of their own."""
    overrides = {
        "RTDP_STATE_DIR": str(tmp_path_factory.mktemp("stack-state")),
        "RTDP_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port_pair()}",
        "RTDP_AWS__ENDPOINT_URL": f"http://127.0.0.1:{free_port_pair()}",
    }
    yield overrides
    with pytest.MonkeyPatch.context() as patch:
        for name, value in overrides.items():
            patch.setenv(name, value)
        stack_down(load_settings("dev"))


def _run(copy: Path, command: str, overrides: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "200", **(overrides or {})}
    environment.pop("RTDP_HOME", None)
    return subprocess.run(["bash", "-c", command], check=False, cwd=copy, env=environment, capture_output=True, text=True,
                          timeout=900)


@pytest.mark.parametrize("chosen", WRITTEN, ids=[d.slug for d in WRITTEN])
def test_a_day_fails_its_checkpoint_first_then_its_lesson_and_solution_make_it_pass(learner, private_stack, chosen):
    # A day whose lesson starts the stack may start it in its check too: on the private ports.
    stack = private_stack if "make up" in commands(chosen.lesson) else None
    before = _run(learner, f"make check DAY={chosen.number}", stack)
    assert before.returncode != 0 and "✗" in before.stdout, before.stdout + before.stderr
    if chosen.solution.is_file():
        applied = _run(learner, f"make solution DAY={chosen.number}")
        assert applied.returncode == 0, applied.stdout + applied.stderr
    for command in commands(chosen.lesson):
        result = _run(learner, CHEAPER.get(command, command), stack)
        assert result.returncode == 0, f"`{command}` of {chosen.lesson.name} failed:\n{result.stdout}{result.stderr}"
    progress = _run(learner, "make progress")
    assert f"│ {chosen.number} " in progress.stdout and "✓ passed" in next(
        line for line in progress.stdout.splitlines() if line.startswith(f"│ {chosen.number} "))
