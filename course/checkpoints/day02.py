"""Day 2: revenue and units per month and category, from the fact table and two dimensions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from course.checkpoints.tiny_star import TinyStar, graded_runs, returns_columns
from course.grading import Criterion, NotYet, Workspace

QUERY = "sql/exercises/day02_category_revenue.sql"
COLUMNS = ("year", "month", "category", "revenue", "units")


def _expected(star: TinyStar) -> dict[tuple[int, int, str], tuple[Decimal, int]]:
    totals: dict[tuple[int, int, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for sale in star.sales:
        total = totals[(sale.ts.year, sale.ts.month, star.category[sale.product_id])]
        total[0] += sale.amount
        total[1] += sale.quantity
    return {key: (revenue, units) for key, (revenue, units) in totals.items()}


def _each(workspace: Workspace):
    return graded_runs(workspace, QUERY, _expected)


def _one_row_per_group(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        keys = [(int(year), int(month), category) for year, month, category, *_ in result.rows]
        if len(keys) != len(set(keys)):
            raise NotYet(f"{len(keys) - len(set(keys))} month and category pairs appear more than once")
        if set(keys) != set(expected):
            raise NotYet(f"the query gives {len(set(keys))} month and category pairs; "
                         f"the test warehouse sold in {len(expected)}")


def _figures(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        wrong = [row for row in result.rows
                 if abs(Decimal(str(row[3])) - expected[(int(row[0]), int(row[1]), row[2])][0]) > Decimal("0.005")
                 or int(row[4]) != expected[(int(row[0]), int(row[1]), row[2])][1]]
        if wrong:
            raise NotYet(f"{len(wrong)} of {len(result.rows)} rows have a revenue or a unit count that differs "
                         f"from the sum of their transactions")


def _ordered(workspace: Workspace) -> None:
    for result, _ in _each(workspace):
        order = [(int(row[0]), int(row[1]), -Decimal(str(row[3]))) for row in result.rows]
        if order != sorted(order):
            raise NotYet("the rows are not ordered by year, month, then revenue from high to low")


CRITERIA = (
    returns_columns(QUERY, COLUMNS),
    Criterion("one row per month and category that sold something", "Grain", _one_row_per_group),
    Criterion("revenue and units are the sums of that month's transactions in that category",
              "Step 3: join a fact to its dimensions", _figures),
    Criterion("rows are ordered by year, month, then revenue from high to low", "Exercise", _ordered),
)
