"""A checkpoint: criteria judged in order on the learner's checkout, one line each.

A criterion says in plain words what the exercise must do (the same words as the lesson's
acceptance criteria) and names the lesson section to reread when it is not met. Its judge
raises `NotYet` with what it saw, never with the answer. The first unmet criterion stops the
grading: the ones after it usually build on it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


class NotYet(Exception):
    """A criterion is not met; the message says what the check saw."""


@dataclass(frozen=True)
class Workspace:
    root: Path     # the checkout being graded
    scratch: Path  # an empty folder for the data the check makes


@dataclass(frozen=True)
class Criterion:
    says: str      # what the exercise must do, in the lesson's words
    section: str   # the lesson section to reread when it is not met
    judge: Callable[[Workspace], None]


@dataclass(frozen=True)
class Verdict:
    criterion: Criterion
    met: bool | None  # None: not judged, an earlier criterion is not met yet
    seen: str = ""


def criteria(day_number: int) -> Sequence[Criterion]:
    """The criteria of a day's checkpoint (course/checkpoints/dayNN.py)."""
    return importlib.import_module(f"course.checkpoints.day{day_number:02d}").CRITERIA


def grade(day_criteria: Sequence[Criterion], workspace: Workspace) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for criterion in day_criteria:
        if verdicts and not verdicts[-1].met:
            verdicts.append(Verdict(criterion, None))
            continue
        try:
            criterion.judge(workspace)
        except NotYet as not_yet:
            verdicts.append(Verdict(criterion, False, str(not_yet)))
        except Exception as error:  # noqa: BLE001 - the learner's code failing is a finding, not a crash
            first_line = (str(error).strip().splitlines() or [""])[0]
            verdicts.append(Verdict(criterion, False, f"{type(error).__name__}: {first_line}"))
        else:
            verdicts.append(Verdict(criterion, True))
    return verdicts
