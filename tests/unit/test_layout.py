"""The package's layout tells the platform's reading order, and no two modules share a name."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# Folders of jobs/ in the order data flows through them; README's layout table lists them so.
READING_ORDER = ["model", "generator", "ingest", "refine", "serve", "stream", "trust", "operate"]
# Names every command-line package and every package uses for the same job.
SHARED_NAMES = {"__init__", "__main__", "cli"}


def test_jobs_has_exactly_the_reading_order_folders_and_readme_lists_them_in_that_order():
    folders = sorted(path.name for path in (ROOT / "jobs").iterdir() if (path / "__init__.py").is_file())
    assert folders == sorted(READING_ORDER)
    listed = re.findall(r"^\| `jobs/([a-z]+)/` \| (\d)\. ", (ROOT / "README.md").read_text(), re.MULTILINE)
    assert [folder for folder, _ in listed] == READING_ORDER
    assert [int(number) for _, number in listed] == list(range(1, len(READING_ORDER) + 1))


def test_no_two_modules_or_packages_share_a_name():
    names = Counter()
    for package in ("jobs", "ml", "course"):
        for path in (ROOT / package).rglob("*.py"):
            if path.stem != path.parent.name:  # a package's core module may carry its name (stack/stack.py)
                names[path.stem] += 1
        for path in (ROOT / package).rglob("__init__.py"):
            if path.parent != ROOT / package:
                names[path.parent.name] += 1
    shared = {name: count for name, count in names.items() if count > 1 and name not in SHARED_NAMES}
    assert not shared, f"modules or packages of the same name: {shared}"
