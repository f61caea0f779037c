"""What a lesson's Markdown holds, for the tests: its headings, its commands, the repository
paths it cites."""

from __future__ import annotations

import re
from pathlib import Path

COMMAND_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
HEADING = re.compile(r"^#{2,4} (.+)$", re.MULTILINE)
# A path into one of the repository's tracked folders, cited in backticks.
CITED_PATH = re.compile(r"`((?:jobs|ml|sql|course|docs|dags|modules|environments|infra|tests|bench)/[^`\s]*)`")


def headings(lesson: Path) -> list[str]:
    return HEADING.findall(lesson.read_text())


def commands(lesson: Path) -> list[str]:
    """Every `$ ...` line of the lesson's console blocks, in order."""
    return [line[2:].strip() for block in COMMAND_BLOCK.findall(lesson.read_text())
            for line in block.splitlines() if line.startswith("$ ")]


def cited_paths(lesson: Path) -> list[str]:
    return [path.rstrip(".,:;") for path in CITED_PATH.findall(lesson.read_text())]


def created_by(patch: Path) -> set[str]:
    """The files a solution patch creates."""
    return {line[6:].strip() for line in patch.read_text().splitlines() if line.startswith("+++ b/")}
