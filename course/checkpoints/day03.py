"""Day 3: joint accounts through the bridge table, their holders and revenue counted once."""

from __future__ import annotations

from decimal import Decimal

from course.checkpoints.tiny_star import TinyStar, graded_runs, returns_columns
from course.grading import Criterion, NotYet, Workspace

QUERY = "sql/exercises/day03_joint_accounts.sql"
COLUMNS = ("account_id", "primary_customer_id", "holders", "revenue")


def _expected(star: TinyStar) -> dict[str, tuple[str, int, Decimal]]:
    return {account: (star.primary(account), len(holders),
                      sum((sale.amount for sale in star.sales if sale.account_id == account), Decimal(0)))
            for account, holders in star.holders.items() if len(holders) >= 2}


def _each(workspace: Workspace):
    return graded_runs(workspace, QUERY, _expected)


def _joint_accounts_once(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        listed = [row[0] for row in result.rows]
        if len(listed) != len(set(listed)):
            raise NotYet(f"{len(listed) - len(set(listed))} accounts appear more than once")
        single = set(listed) - set(expected)
        if single:
            raise NotYet(f"{len(single)} of the listed accounts have a single holder")
        if set(listed) != set(expected):
            raise NotYet(f"{len(set(expected) - set(listed))} of the {len(expected)} joint accounts are missing")


def _holders(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        wrong = [row for row in result.rows if (row[1], int(row[2])) != expected[row[0]][:2]]
        if wrong:
            raise NotYet(f"{len(wrong)} of {len(result.rows)} accounts have the wrong Primary holder or holder count")


def _revenue_once(workspace: Workspace) -> None:
    for result, expected in _each(workspace):
        wrong = [row for row in result.rows
                 if row[3] is None or abs(Decimal(str(row[3])) - expected[row[0]][2]) > Decimal("0.005")]
        if wrong:
            nulls = sum(1 for row in wrong if row[3] is None)
            raise NotYet(f"{len(wrong)} of {len(result.rows)} accounts have another revenue than the sum of their "
                         f"transactions" + (f" ({nulls} of them NULL)" if nulls else ""))


def _ordered(workspace: Workspace) -> None:
    for result, _ in _each(workspace):
        if [row[0] for row in result.rows] != sorted(row[0] for row in result.rows):
            raise NotYet("the rows are not ordered by account_id")


CRITERIA = (
    returns_columns(QUERY, COLUMNS),
    Criterion("every joint account (two or more holders) is listed once, and no other account",
              "The bridge", _joint_accounts_once),
    Criterion("holders counts the account's holders and primary_customer_id names its Primary holder",
              "Step 2: read the bridge", _holders),
    Criterion("revenue counts each transaction of the account once, 0 when it has none",
              "Counting through a bridge", _revenue_once),
    Criterion("rows are ordered by account_id", "Exercise", _ordered),
)
