"""Customer segmentation: deterministic, one segment per customer, readable names."""

from __future__ import annotations

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from ml.segmentation import FEATURES, K_RANGE, NO_PURCHASES, name_segments, segment_customers


@pytest.mark.e2e
@pytest.mark.spark
def test_segmentation_is_deterministic_and_matches_gold(ml_world, customer_purchases, gold_table):
    with threadpool_limits(limits=1):
        first = segment_customers(ml_world.behavior_before, customer_purchases)
        second = segment_customers(ml_world.behavior_before, customer_purchases)
    pd.testing.assert_series_equal(first.segments, second.segments)
    written = gold_table("fact_customer_behavior").set_index("customer_id")["segment"]
    assert written.sort_index().to_dict() == first.segments.to_dict()


@pytest.mark.e2e
@pytest.mark.spark
def test_every_customer_gets_exactly_one_segment(ml_world, gold_table):
    behavior = gold_table("fact_customer_behavior")
    customers = set(gold_table("dim_customer")["customer_id"])
    assert set(behavior["customer_id"]) == customers
    assert not behavior["customer_id"].duplicated().any()
    assert behavior["segment"].notna().all() and (behavior["segment"] != "").all()
    k = ml_world.summary.metrics["customer_segments"]["k"]
    clustered = behavior.loc[behavior["segment"] != NO_PURCHASES, "segment"]
    assert clustered.nunique() == k and k in K_RANGE


@pytest.mark.e2e
@pytest.mark.spark
def test_customers_without_purchases_are_not_clustered(gold_table, customer_purchases):
    behavior = gold_table("fact_customer_behavior")
    never_bought = set(behavior["customer_id"]) - set(customer_purchases["customer_id"])
    assert set(behavior.loc[behavior["segment"] == NO_PURCHASES, "customer_id"]) == never_bought


@pytest.mark.e2e
@pytest.mark.spark
def test_segment_profiles_differ_in_value(gold_table):
    behavior = gold_table("fact_customer_behavior").astype({"monetary": float})
    medians = behavior[behavior["segment"] != NO_PURCHASES].groupby("segment")[["recency_days", "monetary"]].median()
    assert medians["monetary"].max() > 2 * medians["monetary"].min()


@pytest.mark.unit
def test_names_come_from_the_profile_and_are_unique():
    centres = pd.DataFrame([
        # recency, frequency, monetary, categories, top_category_share, average_line (standardised)
        [-0.8, 1.2, 1.1, 0.6, -0.3, 0.1],
        [1.5, -1.0, -1.1, -0.8, 0.4, -0.2],
        [0.0, 0.0, 0.1, -0.2, 1.3, -0.1],
        [0.1, -0.1, 0.0, 0.9, -1.0, 0.2],
    ], columns=list(FEATURES))
    names = name_segments(centres)
    assert names == {
        0: "High-value loyal",
        1: "Lapsed",
        2: "Regular, category specialists",
        3: "Regular, broad baskets",
    }
