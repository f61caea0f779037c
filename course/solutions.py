"""Reference solutions: one patch per day, applied to a checkout with `git apply` and taken back
with `git apply -R`, so a learner can compare, or get unstuck, and return to their own work."""

from __future__ import annotations

import subprocess
from pathlib import Path

from course import ROOT
from course.syllabus import Day
from jobs.errors import PlatformError


def _git_apply(root: Path, patch: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "apply", *flags, str(patch)], check=False, cwd=root, capture_output=True, text=True)


def is_applied(day: Day, root: Path = ROOT) -> bool:
    return _git_apply(root, day.solution, "--reverse", "--check").returncode == 0


def apply(day: Day, root: Path = ROOT) -> None:
    """Apply the day's reference solution; refuse with one line if it cannot apply cleanly."""
    if not day.solution.is_file():
        raise PlatformError(f"day {day.number} has no code to apply: its exercise is done by running what "
                            f"the lesson shows ({day.lesson.relative_to(ROOT)})")
    if is_applied(day, root):
        raise PlatformError(f"the reference solution of day {day.number} is already applied "
                            f"(take it back with `make solution DAY={day.number} UNDO=1`)")
    check = _git_apply(root, day.solution, "--check")
    if check.returncode:
        raise PlatformError(f"the reference solution of day {day.number} does not apply to your files "
                            f"({_first_line(check.stderr)}); it builds on the reference solutions of the days before: "
                            "keep your work with `git stash` and try again")
    _git_apply(root, day.solution).check_returncode()


def undo(day: Day, root: Path = ROOT) -> None:
    """Take the day's reference solution back out of the checkout."""
    if not day.solution.is_file() or not is_applied(day, root):
        raise PlatformError(f"the reference solution of day {day.number} is not applied: nothing to take back")
    _git_apply(root, day.solution, "--reverse").check_returncode()


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or ["git apply failed"])[0]
