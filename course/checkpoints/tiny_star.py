"""A tiny warehouse for SQL exercises: the checkout's own star schema DDL, filled with a few
dozen random rows whose answers the check computes itself in Python.

Each check runs the learner's query on two such warehouses (two seeds), so a query that
returns figures typed in by hand cannot pass.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from course.grading import Criterion, NotYet, Workspace

FOREVER = datetime(9999, 12, 31)
CATEGORIES = ("Electronics", "Garden", "Books", "Toys")
CITIES = ("Lyon, France", "Porto, Portugal", "Gdansk, Poland", "Leeds, United Kingdom", "Graz, Austria")
CHANNELS = ("online", "mobile", "store", "phone")
FIRST_DAY, DAYS = date(2026, 4, 1), 91  # April to June 2026


@dataclass(frozen=True)
class Version:
    customer_id: str
    location: str
    valid_from: datetime
    valid_to: datetime


@dataclass(frozen=True)
class Sale:
    transaction_id: str
    account_id: str
    product_id: str
    amount: Decimal
    quantity: int
    ts: datetime


@dataclass
class TinyStar:
    """What was put in the warehouse, for the check to compute its expected figures from."""
    versions: list[Version] = field(default_factory=list)
    category: dict[str, str] = field(default_factory=dict)             # product_id -> category
    holders: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # account -> [(customer, relationship)]
    sales: list[Sale] = field(default_factory=list)

    def primary(self, account_id: str) -> str:
        return next(customer for customer, relationship in self.holders[account_id] if relationship == "Primary")

    def location_at(self, customer_id: str, moment: datetime) -> str:
        return next(v.location for v in self.versions
                    if v.customer_id == customer_id and v.valid_from <= moment < v.valid_to)


def _make(rng: random.Random) -> TinyStar:
    star = TinyStar()
    start = datetime.combine(FIRST_DAY, datetime.min.time())
    for number in range(1, 13):
        customer_id = f"C{number:06d}"
        cities = rng.sample(CITIES, rng.choice((1, 1, 2, 3)))  # some customers move, some twice
        moves = sorted(start + timedelta(days=rng.randint(5, DAYS - 5), hours=rng.randint(0, 23)) for _ in cities[1:])
        bounds = [datetime(2020, 1, 1), *moves, FOREVER]
        star.versions += [Version(customer_id, city, bounds[i], bounds[i + 1]) for i, city in enumerate(cities)]
    for number in range(1, 9):
        star.category[f"P{number:04d}"] = CATEGORIES[(number - 1) % len(CATEGORIES)]
    customers = sorted({v.customer_id for v in star.versions})
    for number in range(1, 11):
        chosen = rng.sample(customers, rng.choice((1, 1, 2, 2, 3)) if number < 10 else 2)
        star.holders[f"A{number:06d}"] = [(c, "Primary" if i == 0 else "Secondary") for i, c in enumerate(chosen)]
    for number in range(1, 81):
        quantity = rng.randint(1, 4)
        buyer = rng.choice(sorted(star.holders)[:-1])  # the last account, held jointly, never buys
        star.sales.append(Sale(f"T{number:07d}", buyer, rng.choice(sorted(star.category)),
                               Decimal(rng.randint(500, 40000)) / 100 * quantity, quantity,
                               start + timedelta(seconds=rng.randint(0, DAYS * 86400 - 1))))
    return star


# A value of each kind for the required columns a learner adds (day 5 adds one), so they stay NOT NULL.
_FILLERS = {"VARCHAR": "'n/a'", "BOOLEAN": "false", "DATE": "DATE '2026-01-01'", "TIMESTAMP": "TIMESTAMP '2026-01-01'"}


def _insert(connection: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows` into the named columns; a required column the learner added gets a filler value."""
    for other, data_type in connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND NOT is_nullable", [table]).fetchall():
        if other not in columns:
            connection.execute(f'ALTER TABLE {table} ALTER COLUMN "{other}" SET DEFAULT {_FILLERS.get(data_type, "0")}')
    marks = ", ".join("?" for _ in columns)
    connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _load(connection: duckdb.DuckDBPyConnection, star: TinyStar) -> None:
    days = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    _insert(connection, "dim_date", ("date_key", "full_date", "year", "quarter", "month", "month_name", "week_of_year",
                                     "day_of_month", "day_of_week", "day_name", "is_weekend"), [
        (int(d.strftime("%Y%m%d")), d, d.year, (d.month - 1) // 3 + 1, d.month, d.strftime("%B"),
         d.isocalendar().week, d.day, d.isoweekday(), d.strftime("%A"), d.isoweekday() >= 6) for d in days])
    _insert(connection, "dim_customer", ("customer_key", "customer_id", "name", "email", "location", "customer_type",
                                         "valid_from", "valid_to", "is_current"), [
        (key, v.customer_id, f"Customer {v.customer_id[-2:]}", f"{v.customer_id.lower()}@example.com", v.location,
         "Individual", v.valid_from, v.valid_to, v.valid_to == FOREVER) for key, v in enumerate(star.versions, 1)])
    _insert(connection, "dim_product", ("product_id", "product_name", "category", "supplier", "cost_price", "list_price"), [
        (product_id, f"Product {product_id}", category, "Acme Ltd", Decimal("5.00"), Decimal("9.99"))
        for product_id, category in star.category.items()])
    _insert(connection, "dim_account", ("account_id", "account_type", "balance", "opened_date"), [
        (account_id, "Checking", Decimal("100.00"), date(2024, 1, 1)) for account_id in star.holders])
    _insert(connection, "bridge_customer_account", ("customer_id", "account_id", "relationship_type"), [
        (customer, account_id, relationship)
        for account_id, holders in star.holders.items() for customer, relationship in holders])
    _insert(connection, "fact_transaction", ("transaction_id", "date_key", "account_id", "product_id", "amount",
                                             "quantity", "transaction_ts", "channel"), [
        (s.transaction_id, int(s.ts.strftime("%Y%m%d")), s.account_id, s.product_id, s.amount, s.quantity, s.ts,
         CHANNELS[i % len(CHANNELS)]) for i, s in enumerate(star.sales)])


@functools.lru_cache(maxsize=8)
def _tiny_warehouse(ddl: str, seed: int) -> tuple[duckdb.DuckDBPyConnection, TinyStar]:
    connection = duckdb.connect()
    connection.execute(ddl)
    star = _make(random.Random(seed))
    _load(connection, star)
    return connection, star


def tiny_warehouses(root: Path, seeds: tuple[int, ...] = (11, 23)) -> list[tuple[duckdb.DuckDBPyConnection, TinyStar]]:
    """One in-memory warehouse per seed, its tables made by the checkout's sql/ddl/star_schema.sql
    (built once per DDL and seed: every criterion of a check queries the same ones)."""
    ddl = (root / "sql" / "ddl" / "star_schema.sql").read_text()
    return [_tiny_warehouse(ddl, seed) for seed in seeds]


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple]


def run_query(connection: duckdb.DuckDBPyConnection, root: Path, relative: str) -> Result:
    """The learner's query in `relative` run on `connection`; NotYet when it is missing or fails."""
    path = root / relative
    if not path.is_file():
        raise NotYet(f"{relative} does not exist yet")
    sql = path.read_text().strip().rstrip(";")
    if not sql:
        raise NotYet(f"{relative} is empty")
    try:
        cursor = connection.execute(sql)
        rows = cursor.fetchall()
    except duckdb.Error as error:
        raise NotYet(f"DuckDB refused the query: {str(error).splitlines()[0]}") from None
    if cursor.description is None:
        raise NotYet(f"{relative} returns no result set (it should be one SELECT)")
    return Result([column[0].lower() for column in cursor.description], rows)


def graded_runs(workspace: Workspace, relative: str, expected: Callable[[TinyStar], object]) -> Iterator[tuple[Result, object]]:
    """The learner's query run on each tiny warehouse, with what the check expects of it there."""
    for connection, star in tiny_warehouses(workspace.root):
        yield run_query(connection, workspace.root, relative), expected(star)


def returns_columns(relative: str, wanted: tuple[str, ...]) -> Criterion:
    """The first criterion of a SQL exercise: the query exists, runs and has the asked columns."""
    def judge(workspace: Workspace) -> None:
        for result, _ in graded_runs(workspace, relative, lambda star: None):
            if tuple(result.columns) != wanted:
                raise NotYet(f"{relative} returns the columns ({', '.join(result.columns)}); "
                             f"the exercise asks for ({', '.join(wanted)}) in that order")

    return Criterion(f"{relative} runs on the warehouse and returns ({', '.join(wanted)})", "Exercise", judge)
