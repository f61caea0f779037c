"""The report SQL files of sql/reports and what their header comment says about them.

Each file `NN_what_it_answers.sql` starts with a comment block:

    -- Title
    --
    -- Business question: ... (continued on indented comment lines)
    -- Grain: ...
    -- Tables used: table_a, table_b
    -- Notes: ... (optional)
    -- requires: table_a

`requires` lists the tables that must hold rows for the report to mean anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jobs.errors import PlatformError
from jobs.resources import sql_dir

REPORT_FILE = re.compile(r"^\d{2}_[a-z0-9_]+\.sql$")
HEADER_FIELD = re.compile(r"^(Business question|Grain|Tables used|Notes|requires):\s*(.*)$")
REQUIRED_FIELDS = ("Business question", "Grain", "Tables used", "requires")


@dataclass(frozen=True)
class ReportDefinition:
    """One report: its SQL and the facts its header states."""

    name: str
    title: str
    question: str
    grain: str
    tables_used: tuple[str, ...]
    requires: tuple[str, ...]
    notes: str
    sql: str
    path: Path


def _table_list(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _header_lines(sql: str) -> list[str]:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].removeprefix(" ").rstrip())
    return lines


def parse_report(path: Path) -> ReportDefinition:
    """Read one report file and its header; PlatformError if the header lacks a field."""
    sql = path.read_text()
    lines = _header_lines(sql)
    title = lines[0].strip() if lines else ""
    fields: dict[str, str] = {}
    current = None
    for line in lines[1:]:
        match = HEADER_FIELD.match(line)
        if match:
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current and line.startswith(" "):
            fields[current] += " " + line.strip()
        else:
            current = None
    missing = [field for field in REQUIRED_FIELDS if field not in fields]
    if not title or missing:
        raise PlatformError(f"report {path.name} has no title or lacks header lines: {', '.join(missing) or 'title'}")
    return ReportDefinition(
        name=path.stem,
        title=title,
        question=fields["Business question"],
        grain=fields["Grain"],
        tables_used=_table_list(fields["Tables used"]),
        requires=_table_list(fields["requires"]),
        notes=fields.get("Notes", ""),
        sql=sql,
        path=path,
    )


def load_reports(folder: Path | None = None) -> list[ReportDefinition]:
    """All reports of sql/reports (or `folder`), in file-name order."""
    folder = folder or sql_dir() / "reports"
    return [parse_report(path) for path in sorted(folder.glob("*.sql")) if REPORT_FILE.match(path.name)]
