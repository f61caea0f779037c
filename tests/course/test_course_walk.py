"""The course walked as a learner walks it, in throw-away copies of this checkout: for every
written day, its checkpoint fails first; then its reference solution is applied and every
command its lesson shows runs, the checkpoint among them, and passes.

Days build on each other, so a copy walks its days in order. Independent tracks walk at the
same time, each in a copy of its own: the lake and the stream, which build on day 1's lake, and
Terraform (day 6), which needs no data and spends most of its time waiting for the emulator,
so the two share the machine's cores well. A track that starts after day 1 first applies every
earlier solution, to stand where the learner stands. Day 1's `make demo` runs on a small scale
without the live stream (SCALE=2000 STREAM_EVENTS=0), so the walk stays short and leaves the
shared Kafka broker to other tests. A track whose lessons start the local stack (`make up`)
gets a private one: its own state folder and free loopback ports, stopped at the end whatever
happened. Within a track, a day's `make down` waits for the track's last day that has it (the
next day's `make up` would only start the same stack again).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
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
BY_NUMBER = {d.number: d for d in DAYS}
# Each track's days in order; tracks share nothing but the tools, so they run side by side.
TRACKS = {
    "lake-and-stream": [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    "terraform": [6],
}
CHEAPER = {"make demo": "make demo SCALE=2000 STREAM_EVENTS=0"}


def test_every_written_day_is_walked_in_exactly_one_track_in_order():
    walked = [number for days in TRACKS.values() for number in days]
    assert sorted(walked) == [d.number for d in WRITTEN], "add a new day to a track of TRACKS"
    assert all(days == sorted(days) for days in TRACKS.values())


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


def _run(copy: Path, command: str, stack: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "200", **(stack or {})}
    environment.pop("RTDP_HOME", None)
    return subprocess.run(["bash", "-c", command], check=False, cwd=copy, env=environment, capture_output=True, text=True,
                          timeout=900)


def _walk_day(copy: Path, number: int, stack: dict[str, str] | None, keep_stack: bool) -> str | None:
    """What went wrong on this day, or None when it went as its lesson says; `keep_stack` leaves
    the stack up for a later day of the track."""
    chosen = BY_NUMBER[number]
    before = _run(copy, f"make check DAY={number}", stack)
    if before.returncode == 0 or "✗" not in before.stdout:
        return f"the checkpoint of day {number} passed before its exercise:\n{before.stdout}{before.stderr}"
    if chosen.solution.is_file():
        applied = _run(copy, f"make solution DAY={number}")
        if applied.returncode != 0:
            return f"the solution of day {number} did not apply:\n{applied.stdout}{applied.stderr}"
    for command in commands(chosen.lesson):
        if keep_stack and command == "make down":
            continue
        result = _run(copy, CHEAPER.get(command, command), stack)
        if result.returncode != 0:
            return f"`{command}` of {chosen.lesson.name} failed:\n{result.stdout}{result.stderr}"
    progress = _run(copy, "make progress").stdout.splitlines()
    row = next((line for line in progress if line.startswith(f"│ {number} ")), "")
    return None if "✓ passed" in row else f"make progress does not show day {number} passed:\n" + "\n".join(progress)


def _catch_up(copy: Path, first: int) -> str | None:
    """Bring a fresh copy to the start of day `first`: every earlier exercise done."""
    for earlier in (d for d in DAYS if d.number < first and d.solution.is_file()):
        applied = _run(copy, f"make solution DAY={earlier.number}")
        if applied.returncode != 0:
            return f"the solution of day {earlier.number} did not apply:\n{applied.stdout}{applied.stderr}"
    return None


def _walk_track(copy: Path, days: list[int], stack: dict[str, str] | None, outcomes: dict[int, Future]) -> None:
    try:
        failure = _catch_up(copy, days[0]) if days[0] > 1 else None
    except (subprocess.TimeoutExpired, OSError) as error:
        failure = f"catching up before day {days[0]} failed: {error}"
    for number in days:
        if failure is not None:
            outcomes[number].set_result(f"not walked: an earlier step of its track failed ({failure.splitlines()[0]})")
            continue
        later = days[days.index(number) + 1:]
        keep_stack = any("make up" in commands(BY_NUMBER[n].lesson) for n in later)
        try:
            failure = _walk_day(copy, number, stack, keep_stack)
        except (subprocess.TimeoutExpired, OSError) as error:  # this day's test reports it
            failure = f"day {number} could not be walked: {error}"
        outcomes[number].set_result(failure)


@pytest.fixture(scope="module")
def walks(tmp_path_factory) -> dict[int, Future]:
    """Every track walking in its own copy and thread; a day's future holds what went wrong on it."""
    outcomes = {number: Future() for days in TRACKS.values() for number in days}
    ports: set[int] = set()
    stacks: list[dict[str, str]] = []
    with ThreadPoolExecutor(len(TRACKS)) as pool:
        for name, days in TRACKS.items():
            stack = None
            if any("make up" in commands(BY_NUMBER[n].lesson) for n in days):
                stack = _private_stack(tmp_path_factory.mktemp(f"{name}-stack"), ports)
                stacks.append(stack)
            copy = _copy_checkout(tmp_path_factory.mktemp(name) / "rtdp")
            pool.submit(_walk_track, copy, days, stack, outcomes)
        try:
            yield outcomes
        finally:
            for future in outcomes.values():
                future.exception()  # wait: stop no stack while a track still uses it
            for stack in stacks:
                with pytest.MonkeyPatch.context() as patch:
                    for variable, value in stack.items():
                        patch.setenv(variable, value)
                    stack_down(load_settings("dev"))


def _private_stack(state: Path, taken: set[int]) -> dict[str, str]:
    """Settings overrides that give `make up` and the dev targets a stack of their own, on ports
    no other track of this walk got."""
    def port_pair() -> int:
        port = free_port_pair()
        while {port, port + 1} & taken:
            port = free_port_pair()
        taken.update({port, port + 1})
        return port

    return {
        "RTDP_STATE_DIR": str(state),
        "RTDP_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{port_pair()}",
        "RTDP_AWS__ENDPOINT_URL": f"http://127.0.0.1:{port_pair()}",
    }


@pytest.mark.parametrize("chosen", WRITTEN, ids=[d.slug for d in WRITTEN])
def test_a_day_fails_its_checkpoint_first_then_its_lesson_and_solution_make_it_pass(walks, chosen):
    failure = walks[chosen.number].result(timeout=1100)
    assert failure is None, failure
