"""Day 4: revenue by the city the account's Primary holder lived in when each sale happened."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from course.checkpoints.tiny_star import TinyStar, graded_runs, returns_columns
from course.grading import Criterion, NotYet, Workspace

QUERY = "sql/exercises/day04_revenue_by_city.sql"
COLUMNS = ("location", "revenue")


def _expected(star: TinyStar) -> dict[str, Decimal]:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for sale in star.sales:
        revenue[star.location_at(star.primary(sale.account_id), sale.ts)] += sale.amount
    return dict(revenue)


def _each(workspace: Workspace):
    return graded_runs(workspace, QUERY, _expected)


def _each_sale_once(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        total = sum((Decimal(str(row[1] or 0)) for row in result.rows), Decimal(0))
        if abs(total - sum(expected.values())) > Decimal("0.01"):
            ratio = total / sum(expected.values())
            raise NotYet(f"the revenues add up to {ratio:.2f} times the total of all sales")


def _as_of(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        got = {row[0]: Decimal(str(row[1])) for row in result.rows}
        wrong = [city for city in set(got) | set(expected)
                 if abs(got.get(city, Decimal(0)) - expected.get(city, Decimal(0))) > Decimal("0.005")]
        if wrong:
            raise NotYet(f"{len(wrong)} of {len(expected)} cities have another revenue than the sales made while "
                         f"the Primary holder lived there")


def _ordered(workspace: Workspace) -> None:
    for result, _ in _each(workspace):
        revenues = [Decimal(str(row[1])) for row in result.rows]
        if revenues != sorted(revenues, reverse=True):
            raise NotYet("the rows are not ordered by revenue from high to low")


CRITERIA = (
    returns_columns(QUERY, COLUMNS),
    Criterion("each sale is counted once: the revenues add up to the total of all sales",
              "One version at a time", _each_sale_once),
    Criterion("each sale counts for the city its account's Primary holder lived in at that moment",
              "Step 3: the as-of join", _as_of),
    Criterion("rows are ordered by revenue from high to low", "Exercise", _ordered),
)
