"""Day 9: an aggregate table in gold, agg_daily_category_sales, published with the star schema.

The check generates a small world into a scratch home, runs the checkout's bronze, silver and
gold steps on it (in this process, on one Spark session), and compares the new table with sums
it computes itself from the published fact_transaction and dim_product.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from course.checkpoints import WORLD_NOW, jvm_output_to, local_settings
from course.grading import Criterion, NotYet, Workspace
from jobs.config import Settings
from jobs.serve import publication
from jobs.trust.quality.frames import read_frame

SCALE, SEED = 1_000, 9
TABLE = "agg_daily_category_sales"
GRAIN = ("date_key", "category")
MEASURES = ("transactions", "units", "revenue")
_lineage: dict[str, list] = {}


def _settings(workspace: Workspace) -> Settings:
    return local_settings(workspace.scratch)


def _gold(settings: Settings, table: str) -> pd.DataFrame:
    return read_frame(settings, publication.table_uri(settings, table), f"gold {table}")


def _cents(amount) -> Decimal:
    """An amount as exact cents, whether the frame holds it as a decimal or a float."""
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def _declared(_: Workspace) -> None:
    from jobs.model.tables import tables

    found = tables("star_schema.sql").get(TABLE)
    if found is None:
        raise NotYet(f"sql/ddl/star_schema.sql has no table {TABLE}")
    missing = [name for name in (*GRAIN, *MEASURES) if name not in found.column_names]
    if missing:
        raise NotYet(f"{TABLE} has no column(s) {', '.join(missing)}")
    if tuple(found.primary_key) != GRAIN:
        raise NotYet(f"{TABLE}'s primary key is ({', '.join(found.primary_key)}); its grain is one row per day and "
                     "category")
    silent = [column.name for column in found.columns if not column.comment] + ([] if found.comment else ["the table"])
    if silent:
        raise NotYet(f"no comment on {', '.join(silent)}: the catalog shows them")


def _published_together(workspace: Workspace) -> None:
    from jobs.generator import generate_raw
    from jobs.pipeline import run_pipeline

    settings = _settings(workspace)
    generate_raw(settings, SCALE, SEED, WORLD_NOW)
    with jvm_output_to(workspace.scratch / "spark.log"):
        _lineage[str(workspace.scratch)] = run_pipeline(settings, steps=("bronze", "silver", "gold"), run_id="day09")
    published = publication.current(settings)
    if published is None or TABLE not in published.tables:
        raise NotYet(f"gold was published without {TABLE}")
    if published.tables[TABLE] != published.tables["fact_transaction"]:
        raise NotYet(f"{TABLE} is in another publication folder than fact_transaction: they were not published together")


def _sums_match_the_facts(workspace: Workspace) -> None:
    settings = _settings(workspace)
    facts = _gold(settings, "fact_transaction").merge(_gold(settings, "dim_product")[["product_id", "category"]],
                                                      on="product_id")
    expected = {(int(key[0]), key[1]): (len(rows), int(rows["quantity"].sum()), sum(_cents(amount) for amount in rows["amount"]))
                for key, rows in facts.groupby(list(GRAIN))}
    found = _gold(settings, TABLE)
    if found.duplicated(list(GRAIN)).any():
        raise NotYet(f"{TABLE} has more than one row for some day and category")
    shown = {(int(row.date_key), row.category): (int(row.transactions), int(row.units), _cents(row.revenue))
             for row in found.itertuples()}
    if shown.keys() != expected.keys():
        raise NotYet(f"{TABLE} has {len(shown)} rows; the facts have {len(expected)} days and categories with sales")
    wrong = [key for key, figures in expected.items() if shown[key] != figures]
    if wrong:
        day, category = wrong[0]
        raise NotYet(f"{len(wrong)} rows differ from the facts, e.g. {category} on {day}: (transactions, units, revenue) "
                     f"are {shown[wrong[0]]}, the facts sum to {expected[wrong[0]]}")


def _lineage_names_its_inputs(workspace: Workspace) -> None:
    sources = {record.source for record in _lineage.get(str(workspace.scratch), []) if record.target == f"gold.{TABLE}"}
    if sources != {"silver.transactions", "silver.products"}:
        raise NotYet(f"the gold step's lineage gives {TABLE} the inputs {sorted(sources) or 'none'}")


CRITERIA = (
    Criterion(f"star_schema.sql declares {TABLE}, one row per day and category, every column commented",
              "Step 2: declare the table", _declared),
    Criterion(f"gold publishes {TABLE} in the same publication as the star schema", "Step 3: build it in gold",
              _published_together),
    Criterion("its transactions, units and revenue are the facts summed per day and category", "Step 3: build it in gold",
              _sums_match_the_facts),
    Criterion("its lineage names both silver inputs: transactions and products", "Step 3: build it in gold",
              _lineage_names_its_inputs),
)
