"""One checkpoint per day: `dayNN.py` holds its `CRITERIA`, judged by `course.grading`."""

from pathlib import Path

from jobs.config import Settings, load_settings


def local_settings(home: Path) -> Settings:
    """The local environment with its data under `home`: the learner's checkout, or a check's scratch folder."""
    return load_settings("local").model_copy(update={"home": home})
