"""Day 10: a view in the warehouse, v_sales, made by the warehouse build from sql/ddl/views.sql.

The check writes two tiny star schemas (course.checkpoints.tiny_star) as gold Parquet folders
into scratch homes, runs the checkout's own warehouse build on each (DuckDB only, no Spark), and
queries the view in the built files against figures it computes itself.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from course.checkpoints import local_settings
from course.checkpoints.tiny_star import TinyStar, tiny_warehouses
from course.grading import Criterion, NotYet, Workspace
from jobs.config import Settings

VIEW = "v_sales"
COLUMNS = ("transaction_id", "full_date", "category", "customer_id", "location", "amount")


def _home(workspace: Workspace, index: int) -> Path:
    return workspace.scratch / f"warehouse-{index}"


def _built(workspace: Workspace) -> list[tuple[Settings, TinyStar]]:
    """The learner's warehouse build run once per tiny star (the first criterion builds them)."""
    return [(local_settings(_home(workspace, index)), star)
            for index, (_, star) in enumerate(tiny_warehouses(workspace.root))]


def _write_gold(connection, settings: Settings) -> None:
    gold = Path(settings.layer_uri("gold"))
    for (table,) in connection.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall():
        (gold / table).mkdir(parents=True, exist_ok=True)
        connection.execute(f"COPY (SELECT * FROM {table}) TO '{gold / table / 'part-0.parquet'}' (FORMAT parquet)")


def _query(settings: Settings, sql: str, read_only: bool = True) -> tuple[list[str], list[tuple]]:
    from jobs.serve.warehouse import connect

    with connect(settings.warehouse_path, read_only=read_only) as connection:
        cursor = connection.execute(sql)
        return [column[0].lower() for column in cursor.description or []], cursor.fetchall()


def _build_makes_the_view(workspace: Workspace) -> None:
    from jobs.serve.warehouse import build_warehouse

    for index, (connection, _) in enumerate(tiny_warehouses(workspace.root)):
        settings = local_settings(_home(workspace, index))
        _write_gold(connection, settings)
        build_warehouse(settings)
        _, views = _query(settings, f"SELECT sql FROM duckdb_views() WHERE view_name = '{VIEW}' AND NOT internal")
        if not views:
            tables = [name for (name,) in _query(settings, "SELECT table_name FROM duckdb_tables()")[1]]
            made = "a table" if VIEW in tables else "nothing"
            raise NotYet(f"the warehouse build made {made} named {VIEW}, no view")


def _one_row_per_transaction(workspace: Workspace) -> None:
    for settings, star in _built(workspace):
        columns, rows = _query(settings, f"SELECT * FROM {VIEW}")
        if tuple(columns) != COLUMNS:
            raise NotYet(f"{VIEW} has the columns ({', '.join(columns)}); the exercise asks for ({', '.join(COLUMNS)})")
        ids = [row[0] for row in rows]
        if len(ids) != len(set(ids)) or set(ids) != {sale.transaction_id for sale in star.sales}:
            raise NotYet(f"{VIEW} has {len(ids)} rows for {len(set(ids))} transactions; fact_transaction holds "
                         f"{len(star.sales)}, one row each")


def _holder_as_of_the_sale(workspace: Workspace) -> None:
    for settings, star in _built(workspace):
        _, rows = _query(settings, f"SELECT * FROM {VIEW}")
        found = {row[0]: row for row in rows}
        for sale in star.sales:
            customer = star.primary(sale.account_id)
            expected = (sale.ts.date(), star.category[sale.product_id], customer, star.location_at(customer, sale.ts),
                        sale.amount)
            shown = found[sale.transaction_id]
            if (shown[1], shown[2], shown[3], shown[4], Decimal(str(shown[5]))) != expected:
                raise NotYet(f"{sale.transaction_id} shows {shown[1:]}, but its day, category, Primary holder, the city "
                             f"they lived in at that moment and its amount are {expected}")


def _a_view_not_a_copy(workspace: Workspace) -> None:
    settings, star = _built(workspace)[0]
    first = star.sales[0]
    _query(settings, f"INSERT INTO fact_transaction SELECT * REPLACE ('T-LATE' AS transaction_id) FROM fact_transaction "
                     f"WHERE transaction_id = '{first.transaction_id}'", read_only=False)
    _, rows = _query(settings, f"SELECT count(*) FROM {VIEW} WHERE transaction_id = 'T-LATE'")
    if rows[0][0] != 1:
        raise NotYet(f"a transaction inserted after the build is not in {VIEW}: it holds a copy of the rows, not a query")


CRITERIA = (
    Criterion(f"the warehouse build makes the view {VIEW} from sql/ddl/views.sql", "Step 4: a view in the build",
              _build_makes_the_view),
    Criterion(f"{VIEW} has one row per transaction, with the columns ({', '.join(COLUMNS)})",
              "Step 4: a view in the build", _one_row_per_transaction),
    Criterion("each row has its day, its category, the account's Primary holder and the city they lived in at that "
              "moment", "Step 4: a view in the build", _holder_as_of_the_sale),
    Criterion(f"{VIEW} is a view, not a copy: a transaction added after the build shows in it", "Views",
              _a_view_not_a_copy),
)
