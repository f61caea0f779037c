"""The course renders as a static site: every written lesson is a page, search has an index,
and a broken link fails the build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course import ROOT
from course.syllabus import DAYS

pytestmark = pytest.mark.unit


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--config-file", str(config), "--site-dir", str(site)],
                          capture_output=True, text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def test_every_written_lesson_is_a_page_of_the_site_and_searchable(tmp_path):
    built = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    written = [day for day in DAYS if day.written]
    for day in written:
        page = (tmp_path / "site" / "lessons" / f"{day.slug}.html").read_text()
        assert day.title in page
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text())
    assert {f"lessons/{day.slug}.html" for day in written} <= {doc["location"] for doc in index["docs"]}


def test_a_broken_link_in_a_lesson_fails_the_build(tmp_path):
    shutil.copytree(ROOT / "course", tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "course" / "lessons" / "day-02.md").open("a") as lesson:
        lesson.write("\nSee [the next day](day-99.md).\n")
    built = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0 and "day-99.md" in built.stderr
