"""Which days passed and when: one JSON file in the checkout's ignored state folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from course import ROOT


@dataclass(frozen=True)
class Attempt:
    last_result: str        # "passed" or "failed"
    last_run: str           # ISO time of the last `make check`
    passed_at: str | None   # ISO time of the first pass, kept when a later run fails


def progress_file(root: Path | None = None) -> Path:
    return (root or ROOT) / ".state" / "course" / "progress.json"


def load(root: Path | None = None) -> dict[int, Attempt]:
    path = progress_file(root)
    if not path.is_file():
        return {}
    return {int(number): Attempt(**attempt) for number, attempt in json.loads(path.read_text()).items()}


def record(day_number: int, passed: bool, root: Path | None = None, now: datetime | None = None) -> Attempt:
    """Record one checkpoint run of `day_number` and return the day's attempt as stored."""
    now_text = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    attempts = load(root)
    earlier = attempts.get(day_number)
    passed_at = earlier.passed_at if earlier and earlier.passed_at else (now_text if passed else None)
    attempts[day_number] = Attempt("passed" if passed else "failed", now_text, passed_at)
    path = progress_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({str(n): asdict(a) for n, a in sorted(attempts.items())}, indent=2) + "\n")
    return attempts[day_number]
