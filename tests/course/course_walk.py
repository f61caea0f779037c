"""The course walk's machinery (tests/course/test_course_walk.py says what the walk checks).

A walk begins as soon as the run knows it includes the walk's tests (tests/course/conftest.py):
its tracks work in throw-away copies, on stacks of their own, with the environment as it was
when the walk began, so the rest of the suite runs beside them; the walk's tests, ordered last,
only collect what was found on each day.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from course import ROOT
from course.syllabus import DAYS
from jobs.operate.stack.stack import private_stack_variables
from lesson_text import commands

WRITTEN = [d for d in DAYS if d.written]
BY_NUMBER = {d.number: d for d in DAYS}
# Each track's days in order; tracks share nothing but the tools, so they run side by side.
TRACKS = {
    "lake-and-stream": [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    "terraform": [6],
}
CHEAPER = {"make demo": "make demo SCALE=2000 STREAM_EVENTS=0"}

# The walk this run began early, if it did (tests/course/conftest.py).
begun: Walk | None = None


def _uses_stack(days: list[int]) -> bool:
    return any("make up" in commands(BY_NUMBER[n].lesson) for n in days)


class Walk:
    """Every track walking in its own copy and thread; `outcomes[day]` holds what went wrong on
    that day, or None."""

    def __init__(self, folder: Path) -> None:
        # Tests change os.environ while the walk runs beside them: every command gets this copy.
        self._environment = {name: value for name, value in os.environ.items() if name != "RTDP_HOME"}
        self.outcomes = {number: Future() for days in TRACKS.values() for number in days}
        self._stacks: list[dict[str, str]] = []
        self._pool = ThreadPoolExecutor(len(TRACKS), thread_name_prefix="course-walk")
        self._finished = False
        ports: set[int] = set()
        for name, days in TRACKS.items():
            stack = None
            if _uses_stack(days):
                stack = _private_stack(folder / f"{name}-stack", ports)
                self._stacks.append(stack)
            copy = _copy_checkout(folder / name / "rtdp")
            self._pool.submit(self._walk_track, copy, days, stack)

    def finish(self) -> None:
        """Wait for every track (no stack stops while a track still uses it), then stop the stacks."""
        if self._finished:
            return
        self._finished = True
        self._pool.shutdown(wait=True)
        for stack in self._stacks:
            # In a process of its own: this process's environment belongs to the tests.
            subprocess.run([str(ROOT / ".venv" / "bin" / "rtdp"), "stack", "down", "--env", "dev"], cwd=ROOT, check=False,
                           env={**self._environment, **stack}, capture_output=True, timeout=300)

    def _run(self, copy: Path, command: str, stack: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {**self._environment, "PYTHONPATH": str(copy), "COLUMNS": "200", **(stack or {})}
        return subprocess.run(["bash", "-c", command], check=False, cwd=copy, env=environment, capture_output=True,
                              text=True, timeout=900)

    def _walk_day(self, copy: Path, number: int, stack: dict[str, str] | None, keep_stack: bool) -> str | None:
        """What went wrong on this day, or None when it went as its lesson says; `keep_stack` leaves
        the stack up for a later day of the track."""
        chosen = BY_NUMBER[number]
        before = self._run(copy, f"make check DAY={number}", stack)
        if before.returncode == 0 or "✗" not in before.stdout:
            return f"the checkpoint of day {number} passed before its exercise:\n{before.stdout}{before.stderr}"
        if chosen.solution.is_file():
            applied = self._run(copy, f"make solution DAY={number}")
            if applied.returncode != 0:
                return f"the solution of day {number} did not apply:\n{applied.stdout}{applied.stderr}"
        for command in commands(chosen.lesson):
            if keep_stack and command == "make down":
                continue
            result = self._run(copy, CHEAPER.get(command, command), stack)
            if result.returncode != 0:
                return f"`{command}` of {chosen.lesson.name} failed:\n{result.stdout}{result.stderr}"
        progress = self._run(copy, "make progress").stdout.splitlines()
        row = next((line for line in progress if line.startswith(f"│ {number} ")), "")
        return None if "✓ passed" in row else f"make progress does not show day {number} passed:\n" + "\n".join(progress)

    def _catch_up(self, copy: Path, first: int) -> str | None:
        """Bring a fresh copy to the start of day `first`: every earlier exercise done."""
        for earlier in (d for d in DAYS if d.number < first and d.solution.is_file()):
            applied = self._run(copy, f"make solution DAY={earlier.number}")
            if applied.returncode != 0:
                return f"the solution of day {earlier.number} did not apply:\n{applied.stdout}{applied.stderr}"
        return None

    def _walk_track(self, copy: Path, days: list[int], stack: dict[str, str] | None) -> None:
        try:
            failure = self._catch_up(copy, days[0]) if days[0] > 1 else None
        except Exception as error:  # noqa: BLE001 - any error is the day's to report: none may leave a day unanswered
            failure = f"catching up before day {days[0]} failed: {error}"
        for number in days:
            if failure is not None:
                self.outcomes[number].set_result(f"not walked: an earlier step of its track failed ({failure.splitlines()[0]})")
                continue
            keep_stack = _uses_stack(days[days.index(number) + 1:])
            try:
                failure = self._walk_day(copy, number, stack, keep_stack)
            except Exception as error:  # noqa: BLE001 - this day's test reports it
                failure = f"day {number} could not be walked: {error}"
            self.outcomes[number].set_result(failure)


def _copy_checkout(copy: Path) -> Path:
    """The checkout's files (tracked and new, not ignored), sharing its virtual environment and
    its tools and jars; its own code comes first on the import path."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / relative)  # keeps mtimes: make sees the environment as installed
    (copy / ".venv").symlink_to(ROOT / ".venv")
    (ROOT / ".cache").mkdir(exist_ok=True)
    (copy / ".cache").symlink_to(ROOT / ".cache")  # what `make tools` built, the jars `make up` fetched
    return copy


def _private_stack(state: Path, taken: set[int]) -> dict[str, str]:
    """Settings overrides that give `make up` and the dev targets a stack of their own, on ports
    no other track of this walk got."""
    state.mkdir(parents=True, exist_ok=True)
    return private_stack_variables(state, avoid=taken)
