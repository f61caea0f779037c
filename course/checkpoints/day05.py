"""Day 5: a brand column from the source system to gold: generator, raw contract, lake DDL,
silver and the star schema.

The check generates a small world into a scratch home with the checkout's own generator, runs
its own pipeline on it in a separate process, and compares gold with the raw files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from course.checkpoints import WORLD_NOW, local_settings
from course.grading import Criterion, NotYet, Workspace
from jobs.config import Settings
from jobs.ingest import landing
from jobs.serve import publication
from jobs.trust.quality.frames import read_frame

SCALE, SEED = 1_000, 5


def _settings(workspace: Workspace) -> Settings:
    return local_settings(workspace.scratch)


def _raw_products(settings: Settings) -> pd.DataFrame:
    """Every products extract as written, whatever columns the generator gave it."""
    files = sorted(Path(landing.dataset_uri(settings, "products")).glob("*.csv"))
    return pd.concat([pd.read_csv(file, dtype=str, keep_default_na=False) for file in files])


def _planted(settings: Settings) -> set[str]:
    truth = pd.read_csv(Path(settings.resolve(settings.storage.truth_uri)) / "dirty_rows.csv", dtype=str)
    return set(truth.loc[truth["dataset"] == "products", "row_key"])


def _generator_writes_brands(workspace: Workspace) -> None:
    from jobs.generator import generate_raw

    settings = _settings(workspace)
    generate_raw(settings, SCALE, SEED, WORLD_NOW)
    products = _raw_products(settings)
    if "brand" not in products.columns:
        raise NotYet(f"the products extracts have the columns ({', '.join(products.columns)}), no brand")
    clean = products[~products["product_id"].isin(_planted(settings))]
    named = [name.startswith(f"{brand} ") for name, brand in zip(clean["product_name"], clean["brand"], strict=True)]
    if not all(named) or (clean["brand"] == "").any():
        raise NotYet(f"{named.count(False)} of {len(clean)} clean products have a brand that is empty or not the "
                     f"first word of their name")


def _star_schema_declares_brand(workspace: Workspace) -> None:
    from jobs.model.tables import table

    column = next((c for c in table("dim_product").columns if c.name == "brand"), None)
    if column is None:
        raise NotYet("sql/ddl/star_schema.sql has no column brand in dim_product")
    if column.sql_type != "VARCHAR" or not column.comment:
        raise NotYet(f"dim_product.brand is {column.sql_type} with the comment '{column.comment}'; "
                     f"the exercise asks for VARCHAR with a comment")


def _gold_has_the_source_brand(workspace: Workspace) -> None:
    settings = _settings(workspace)
    environment = {**os.environ, "RTDP_HOME": str(workspace.scratch), "PYTHONPATH": str(workspace.root)}
    run = subprocess.run([sys.executable, "-m", "jobs.cli", "run", "--env", "local", "--skip-generate", "--skip-ml"],
                         cwd=workspace.root, env=environment, capture_output=True, text=True, check=False)
    if run.returncode:
        said = [line.strip() for line in (run.stderr + run.stdout).splitlines() if line.strip()]
        error = next((line for line in said if line.startswith("error:")), said[-1] if said else "no output")
        raise NotYet(f"the pipeline stopped: {error.removeprefix('error:').strip()}")
    gold = read_frame(settings, publication.table_uri(settings, "dim_product"), "gold dim_product")
    if "brand" not in gold.columns:
        raise NotYet("gold dim_product has no brand column")
    source = _raw_products(settings).drop_duplicates("product_id", keep="last").set_index("product_id")["brand"]
    wrong = [product for product, brand in zip(gold["product_id"], gold["brand"], strict=True)
             if source.get(product) != brand]
    if wrong:
        raise NotYet(f"{len(wrong)} of {len(gold)} gold products have another brand than their source row")


def _same_products_reach_gold(workspace: Workspace) -> None:
    settings = _settings(workspace)
    gold = set(read_frame(settings, publication.table_uri(settings, "dim_product"), "gold dim_product")["product_id"])
    expected = set(_raw_products(settings)["product_id"]) - _planted(settings)
    if gold != expected:
        raise NotYet(f"gold has {len(gold)} products; {len(expected)} clean products were sent and "
                     f"{len(expected - gold)} of them are missing")


CRITERIA = (
    Criterion("the generator writes a brand for every product: the first word of its name", "Step 2: the generator",
              _generator_writes_brands),
    Criterion("dim_product declares brand as VARCHAR, with a comment for the catalog", "Step 4: the model",
              _star_schema_declares_brand),
    Criterion("gold dim_product has each product's brand as the source sent it", "Step 5: run it end to end",
              _gold_has_the_source_brand),
    Criterion("every clean product still reaches gold, and no planted bad one", "Step 3: the raw contract",
              _same_products_reach_gold),
)
