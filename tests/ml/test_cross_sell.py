"""Cross-sell: never an owned product; planted affinity partners are found."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.cross_sell import recommend_products


@pytest.fixture(scope="module")
def recommendations(gold_table) -> pd.DataFrame:
    return gold_table("ml_cross_sell")


@pytest.mark.e2e
@pytest.mark.spark
def test_never_recommends_a_product_the_customer_owns(recommendations, customer_purchases):
    owned = customer_purchases[["customer_id", "product_id"]].drop_duplicates()
    clash = recommendations.merge(owned, on=["customer_id", "product_id"])
    assert len(recommendations) > 0
    assert clash.empty


@pytest.mark.e2e
@pytest.mark.spark
def test_planted_partner_is_in_the_top_5_for_most_holders(recommendations, customer_purchases, ml_world):
    pairs = pd.read_csv(ml_world.truth / "affinities.csv")
    owners = customer_purchases.groupby("product_id")["customer_id"].agg(set)
    recommended = set(zip(recommendations["customer_id"], recommendations["product_id"], strict=True))
    holders = hits = 0
    for pair in pairs.itertuples():
        lacking = owners[pair.product_a] - owners[pair.product_b]
        holders += len(lacking)
        hits += sum((customer, pair.product_b) in recommended for customer in lacking)
    assert holders > 50
    assert hits / holders >= 0.8


@pytest.mark.e2e
@pytest.mark.spark
def test_at_most_5_ranked_recommendations_per_customer(recommendations, ml_world):
    for _, ranked in recommendations.groupby("customer_id"):
        assert list(ranked.sort_values("rank")["rank"]) == list(range(1, len(ranked) + 1))
        assert len(ranked) <= 5
        assert ranked.sort_values("rank")["score"].is_monotonic_decreasing
    assert (recommendations["model_version"] == ml_world.summary.version).all()


@pytest.mark.e2e
@pytest.mark.spark
def test_behavior_counts_the_recommendations(recommendations, gold_table):
    behavior = gold_table("fact_customer_behavior").set_index("customer_id")["cross_sell_candidates"]
    counted = recommendations.groupby("customer_id").size().reindex(behavior.index, fill_value=0)
    assert (behavior == counted).all()


@pytest.mark.unit
def test_partner_of_an_owned_product_comes_first():
    purchases = pd.DataFrame([
        # tent and sleeping bag always go together; coffee is bought by everyone
        ("C1", "tent"), ("C1", "sleeping bag"), ("C1", "coffee"),
        ("C2", "tent"), ("C2", "sleeping bag"), ("C2", "coffee"),
        ("C3", "coffee"), ("C3", "tea"),
        ("C4", "tent"), ("C4", "coffee"),
    ], columns=["customer_id", "product_id"])
    result = recommend_products(purchases, n=2).recommendations
    c4 = result[result["customer_id"] == "C4"].sort_values("rank")
    assert c4["product_id"].tolist() == ["sleeping bag", "tea"]
    assert result[result["customer_id"] == "C1"]["product_id"].tolist() == ["tea"]
