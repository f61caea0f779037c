"""One generated dataset, one pipeline run and one ML run shared by the ML tests.

The real generator writes a small seeded dataset, the real Spark pipeline builds gold from it
(on the suite's shared Spark session), and `train_and_score` runs once on that gold. Tests
then check the outputs against the generator's truth and against values they compute
themselves from gold with plain pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from jobs.config import Settings, load_settings
from jobs.serve import publication
from ml import MLSummary, train_and_score

# 100,000 transactions: at 50,000 the weekly noise of the aggregated series is as large as the
# gap between Prophet and the seasonal-naive baseline, so the forecast comparison is a coin toss.
SCALE = 100_000
SEED = 7
# A fixed history (2024-07-01 to 2026-06-30): the models are judged on the same weeks on any day.
NOW = date(2026, 7, 1)


@dataclass(frozen=True)
class MLWorld:
    settings: Settings
    truth: Path
    behavior_before: pd.DataFrame  # fact_customer_behavior as the pipeline wrote it
    summary: MLSummary  # of the one training run

    def gold(self, table: str) -> Path:
        """Where readers find a gold table (published tables in the current publication)."""
        return Path(publication.table_uri(self.settings, table))


@pytest.fixture(scope="session")
def ml_world(tmp_path_factory, spark) -> MLWorld:
    """Generate, build gold and train once; every ML test reads this."""
    from jobs.generator import generate_raw
    from jobs.pipeline import run_pipeline

    home = tmp_path_factory.mktemp("ml-world")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        settings = load_settings("local")
        generate_raw(settings, transactions=SCALE, seed=SEED, now=NOW)
        run_pipeline(settings, steps=("bronze", "silver", "gold"), run_id="ml-tests")
        behavior_before = pd.read_parquet(publication.table_uri(settings, "fact_customer_behavior"))
        summary = train_and_score(settings)
        yield MLWorld(settings=settings, truth=Path(settings.layer_uri("truth")),
                      behavior_before=behavior_before, summary=summary)


@pytest.fixture(scope="session")
def gold_table(ml_world):
    """Read a gold table of the shared run as a DataFrame: gold_table("fact_transaction")."""

    def read(table: str) -> pd.DataFrame:
        return pd.read_parquet(ml_world.gold(table))

    return read


@pytest.fixture(scope="session")
def customer_purchases(gold_table) -> pd.DataFrame:
    """customer_id, product_id, category, amount, transaction_ts per purchase on a held account,
    joined here with plain pandas (independently of ml.data)."""
    holdings = gold_table("bridge_customer_account")[["customer_id", "account_id"]]
    transactions = gold_table("fact_transaction").merge(gold_table("dim_product")[["product_id", "category"]],
                                                       on="product_id")
    purchases = holdings.merge(transactions, on="account_id")
    purchases["amount"] = purchases["amount"].astype(float)
    return purchases
