"""One checkpoint per day: `dayNN.py` holds its `CRITERIA`, judged by `course.grading`."""

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from jobs.config import Settings, load_settings

# The worlds the checks generate end on a fixed day, so a check judges the same data on any day.
WORLD_NOW = date(2026, 7, 1)


def local_settings(home: Path) -> Settings:
    """The local environment with its data under `home`: the learner's checkout, or a check's scratch folder."""
    return load_settings("local").model_copy(update={"home": home})


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@contextlib.contextmanager
def environment_variable(name: str, value: str | None) -> Iterator[None]:
    """`name` set to `value` (unset for None) while the block runs, as before afterwards: how a
    check hands the learner's code a setting."""
    before = os.environ.get(name)
    _set(name, value)
    try:
        yield
    finally:
        _set(name, before)


@contextlib.contextmanager
def jvm_output_to(log_file: Path) -> Iterator[None]:
    """Send what this process's Spark JVM prints (start-up notes, progress bars) to `log_file`,
    so a check that runs the learner's Spark code in-process shows only its verdicts."""
    sys.stderr.flush()
    saved = os.dup(2)
    with log_file.open("ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
