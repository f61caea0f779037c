"""Day 14: an audit of the stream's exactly-once promise, in SQL: every record bronze received is
in silver or in the quarantine, and none is in silver twice.

The check writes two small streamed lakes of its own (bronze, silver and quarantine folders in
the stream's layout and columns), with records it lost and doubled on purpose, runs the
learner's query inside each, and compares with what it planted.
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from course.checkpoints.tiny_star import run_query
from course.grading import Criterion, NotYet, Workspace

QUERY = "sql/exercises/day14_stream_audit.sql"
COLUMNS = ("kafka_partition", "kafka_offset", "problem")
TOPIC, DATASET = "transactions", "stream_transactions"
_planted: dict[tuple[str, int], set[tuple[int, int, str]]] = {}


def _lake(folder: Path, seed: int) -> set[tuple[int, int, str]]:
    """A streamed lake with some records lost and some doubled; what was planted."""
    rng = random.Random(seed)
    connection = duckdb.connect()
    start = datetime(2026, 7, 1, 9, 0)
    records = [(partition, offset) for partition in range(3) for offset in range(rng.randint(20, 40))]
    lost = set(rng.sample(records, 3))
    doubled = set(rng.sample([r for r in records if r not in lost], 2))
    quarantined = set(rng.sample([r for r in records if r not in lost | doubled], 6))
    batch_of = {record: record[1] // 10 for record in records}  # ten offsets per micro-batch

    def when(record: tuple[int, int]) -> datetime:
        return start + timedelta(seconds=record[1] * 3 + record[0])

    def write(layer: str, rows: list[tuple[tuple[int, int], int]], columns: str, names: list[str]) -> None:
        for batch in sorted({batch for _, batch in rows}):
            day = when(rows[0][0]).date().isoformat()
            target = folder / "data" / "lake" / layer / DATASET / f"event_date={day}" / f"batch_id={batch}"
            target.mkdir(parents=True, exist_ok=True)
            values = ", ".join(columns.format(topic=TOPIC, partition=p, offset=o, ts=when((p, o)).isoformat(sep=" "),
                                              id=f"T{p}{o:05d}")
                               for (p, o), row_batch in rows if row_batch == batch)
            connection.execute(f"COPY (SELECT * FROM (VALUES {values}) AS t({', '.join(names)})) "
                               f"TO '{target / 'part-0.parquet'}' (FORMAT parquet)")

    bronze = "('{topic}', {partition}, {offset}, TIMESTAMP '{ts}', 'A000001', '{{}}', TIMESTAMP '{ts}')"
    write("bronze", [(r, batch_of[r]) for r in records], bronze,
          ["kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp", "key", "value", "ingest_time"])
    silver_rows = [(r, batch_of[r]) for r in records if r not in lost | quarantined]
    silver_rows += [(r, batch_of[r] + 1) for r in sorted(doubled)]  # a batch that wrote them again
    silver = "('{id}', '{topic}', {partition}, {offset}, TIMESTAMP '{ts}', TIMESTAMP '{ts}')"
    write("silver", silver_rows, silver,
          ["transaction_id", "kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp", "ingest_time"])
    quarantine = folder / "data" / "lake" / "quarantine" / DATASET
    quarantine.mkdir(parents=True, exist_ok=True)
    for batch in sorted({batch_of[r] for r in quarantined}):
        values = ", ".join(f"('{DATASET}', 'schema_violation', '{{}}', 'kafka:{TOPIC}/{p}/{o}', '{batch}', 'made up')"
                           for p, o in sorted(quarantined) if batch_of[(p, o)] == batch)
        connection.execute(f"COPY (SELECT * FROM (VALUES {values}) AS t(dataset, reason, record, source_file, batch_id, "
                           f"detail)) TO '{quarantine / f'part-{batch:012d}.parquet'}' (FORMAT parquet)")
    return {(p, o, "lost") for p, o in lost} | {(p, o, "doubled") for p, o in doubled}


def _runs(workspace: Workspace):
    for seed in (41, 42):
        folder = workspace.scratch / f"audit-{seed}"
        if (str(workspace.scratch), seed) not in _planted:
            _planted[(str(workspace.scratch), seed)] = _lake(folder, seed)
        with contextlib.chdir(folder):
            result = run_query(duckdb.connect(), workspace.root, QUERY)
        yield result, _planted[(str(workspace.scratch), seed)]


def _found(result) -> list[tuple[int, int, str]]:
    return [(int(row[0]), int(row[1]), str(row[2])) for row in result.rows]


def _returns_columns(workspace: Workspace) -> None:
    for result, _ in _runs(workspace):
        if tuple(result.columns) != COLUMNS:
            raise NotYet(f"{QUERY} returns the columns ({', '.join(result.columns)}); the exercise asks for "
                         f"({', '.join(COLUMNS)}) in that order")


def _judge(workspace: Workspace, problem: str) -> None:
    for result, planted in _runs(workspace):
        wanted = {row for row in planted if row[2] == problem}
        found = {row for row in _found(result) if row[2] == problem}
        if found != wanted:
            raise NotYet(f"the audit reports {len(found)} records as {problem}, {len(found & wanted)} of them rightly; "
                         f"{len(wanted)} records were {problem} on purpose")


def _finds_lost(workspace: Workspace) -> None:
    _judge(workspace, "lost")


def _finds_doubled(workspace: Workspace) -> None:
    _judge(workspace, "doubled")


def _nothing_else(workspace: Workspace) -> None:
    for result, planted in _runs(workspace):
        found = _found(result)
        extra = [row for row in found if row not in planted]
        if extra:
            raise NotYet(f"the audit also reports {extra[:3]}: a quarantined record is accounted for, not lost")
        if len(found) != len(set(found)) or found != sorted(found):
            raise NotYet("each problem is one row, ordered by partition and offset")


CRITERIA = (
    Criterion(f"{QUERY} runs and returns ({', '.join(COLUMNS)})", "Step 4: the audit", _returns_columns),
    Criterion("it reports every record bronze received that is neither in silver nor in the quarantine as lost",
              "Step 4: the audit", _finds_lost),
    Criterion("it reports every record that silver holds more than once as doubled", "Step 4: the audit",
              _finds_doubled),
    Criterion("it reports nothing else, one row per problem, ordered by partition and offset", "Exercise",
              _nothing_else),
)
