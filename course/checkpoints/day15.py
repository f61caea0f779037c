"""Day 15: a live query: revenue per minute and category of the last 15 minutes of streamed
transactions, read from the stream's own gold files with the warehouse's dimensions.

The check writes streamed facts of its own (three micro-batches over about 40 minutes) as
`data/lake/gold/fact_transaction_stream/batch_id=N/` under a scratch folder, runs the learner's
query there on each tiny warehouse (course.checkpoints.tiny_star), and compares with sums it
computes itself.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from course.checkpoints.tiny_star import CATEGORIES, TinyStar, run_query, tiny_warehouses
from course.grading import Criterion, NotYet, Workspace

QUERY = "sql/exercises/day15_live_revenue.sql"
COLUMNS = ("minute", "category", "transactions", "revenue")
STREAM = Path("data/lake/gold/fact_transaction_stream")
WINDOW = timedelta(minutes=15)
_written: dict[tuple[str, int], list[tuple]] = {}


def _streamed(star: TinyStar, seed: int) -> list[tuple]:
    """Streamed facts: (transaction_id, account_id, product_id, amount, quantity, ts, batch_id)."""
    rng = random.Random(seed)
    newest = datetime(2026, 7, 1, 9, 40, 17)
    rows = []
    for number in range(60):
        ts = newest - timedelta(seconds=0 if number == 0 else rng.randint(1, 40 * 60))
        product = rng.choice(sorted(star.category))
        quantity = rng.randint(1, 3)
        rows.append((f"TS{seed:02d}{number:05d}", rng.choice(sorted(star.holders)), product,
                     Decimal(rng.randint(300, 9000)) / 100 * quantity, quantity, ts, number % 3))
    return rows


def _write(connection, folder: Path, rows: list[tuple]) -> None:
    for batch in sorted({row[-1] for row in rows}):
        target = folder / STREAM / f"batch_id={batch}"
        target.mkdir(parents=True, exist_ok=True)
        values = ", ".join(
            f"('{tx}', {int(ts.strftime('%Y%m%d'))}, '{account}', '{product}', {amount}, {quantity}, "
            f"TIMESTAMP '{ts.isoformat(sep=' ')}', 'online')"
            for tx, account, product, amount, quantity, ts, row_batch in rows if row_batch == batch)
        connection.execute(
            f"COPY (SELECT * FROM (VALUES {values}) AS t(transaction_id, date_key, account_id, product_id, amount, "
            f"quantity, transaction_ts, channel)) TO '{target / 'part-0.parquet'}' (FORMAT parquet)")


def _runs(workspace: Workspace):
    """The learner's query on each tiny warehouse, run inside a folder holding that star's stream."""
    for index, (connection, star) in enumerate(tiny_warehouses(workspace.root)):
        folder = workspace.scratch / f"live-{index}"
        if (str(workspace.scratch), index) not in _written:
            _written[(str(workspace.scratch), index)] = rows = _streamed(star, 31 + index)
            _write(connection, folder, rows)
        with contextlib.chdir(folder):
            result = run_query(connection, workspace.root, QUERY)
        yield result, _expected(star, _written[(str(workspace.scratch), index)])


def _expected(star: TinyStar, rows: list[tuple]) -> dict[tuple[datetime, str], tuple[int, Decimal]]:
    newest = max(row[5] for row in rows)
    first_minute = (newest - WINDOW).replace(second=0, microsecond=0) + timedelta(minutes=1)
    sums: dict[tuple[datetime, str], list] = defaultdict(lambda: [0, Decimal(0)])
    for _, _, product, amount, _, ts, _ in rows:
        minute = ts.replace(second=0, microsecond=0)
        if minute >= first_minute:
            sums[(minute, star.category[product])][0] += 1
            sums[(minute, star.category[product])][1] += amount
    return {key: (count, revenue) for key, (count, revenue) in sums.items()}


def _returns_columns(workspace: Workspace) -> None:
    for result, _ in _runs(workspace):
        if tuple(result.columns) != COLUMNS:
            raise NotYet(f"{QUERY} returns the columns ({', '.join(result.columns)}); the exercise asks for "
                         f"({', '.join(COLUMNS)}) in that order")


def _shown(result) -> dict[tuple[datetime, str], tuple[int, Decimal]]:
    return {(row[0], row[1]): (int(row[2]), Decimal(str(row[3])).quantize(Decimal("0.01"))) for row in result.rows}


def _the_window(workspace: Workspace) -> None:
    for result, expected in _runs(workspace):
        minutes = sorted({minute for minute, _ in _shown(result)})
        wanted = sorted({minute for minute, _ in expected})
        if minutes != wanted:
            shown = f"{minutes[0]:%H:%M} to {minutes[-1]:%H:%M}" if minutes else "no minutes"
            newest = wanted[-1]
            raise NotYet(f"the query shows {len(minutes)} minutes with sales ({shown}); the newest streamed transaction "
                         f"is in minute {newest:%H:%M}, so the 15 minutes are {newest - WINDOW + timedelta(minutes=1):%H:%M} "
                         f"to {newest:%H:%M} ({len(wanted)} of them had sales)")


def _the_figures(workspace: Workspace) -> None:
    for result, expected in _runs(workspace):
        shown = _shown(result)
        wrong = sorted(key for key in expected.keys() | shown.keys() if shown.get(key) != expected.get(key))
        if wrong:
            minute, category = wrong[0]
            raise NotYet(f"{len(wrong)} rows differ from the streamed facts, e.g. {category} at {minute:%H:%M}: "
                         f"{shown.get(wrong[0])} where the stream's files give {expected.get(wrong[0])}")
        unknown = {category for _, category in shown} - set(CATEGORIES)
        if unknown:
            raise NotYet(f"categories {sorted(unknown)} are not categories of dim_product")


def _ordered(workspace: Workspace) -> None:
    for result, _ in _runs(workspace):
        keys = [(row[0], row[1]) for row in result.rows]
        if keys != sorted(keys, key=lambda key: (-key[0].timestamp(), key[1])):
            raise NotYet("the rows are not ordered newest minute first, then by category")


CRITERIA = (
    Criterion(f"{QUERY} runs on the warehouse and returns ({', '.join(COLUMNS)})", "Step 3: the live query",
              _returns_columns),
    Criterion("it covers the 15 minutes up to the newest streamed transaction, no more", "Step 3: the live query",
              _the_window),
    Criterion("its transactions and revenue per minute and category are those of the stream's files",
              "Step 2: the stream's files", _the_figures),
    Criterion("rows are ordered newest minute first, then by category", "Exercise", _ordered),
)
