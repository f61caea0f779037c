"""Churn: time-split evaluation, no leakage from after the cut-off, calibrated scores in gold."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from ml.churn import HORIZON_DAYS, churn_features, churn_labels, predict_churn, split_cutoffs

CUTOFF = pd.Timestamp("2026-03-01")


def _purchases(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "transaction_ts", "amount", "category"]).assign(
        transaction_ts=lambda frame: pd.to_datetime(frame["transaction_ts"]))


TINY = _purchases([
    ("C1", "2025-12-01 10:00", 20.0, "Books"),
    ("C1", "2026-02-20 09:00", 30.0, "Toys"),
    ("C1", "2026-03-05 12:00", 500.0, "Electronics"),  # after the cut-off
    ("C2", "2025-06-01 08:00", 10.0, "Books"),
    ("C2", "2026-04-15 08:00", 10.0, "Books"),  # after the cut-off
    ("C3", "2026-03-10 08:00", 10.0, "Books"),  # only after the cut-off
])


@pytest.fixture(scope="module")
def churn_run(customer_purchases, gold_table):
    customers = pd.Index(gold_table("fact_customer_behavior")["customer_id"])
    with threadpool_limits(limits=1):
        return predict_churn(customer_purchases, customers)


@pytest.mark.unit
def test_features_are_the_same_with_or_without_data_after_the_cutoff():
    truncated = TINY[TINY["transaction_ts"] < CUTOFF]
    pd.testing.assert_frame_equal(churn_features(TINY, CUTOFF), churn_features(truncated, CUTOFF))


@pytest.mark.unit
def test_features_hold_hand_computed_behaviour_before_the_cutoff():
    features = churn_features(TINY, CUTOFF)
    assert list(features.index) == ["C1", "C2"]  # C3 had not bought anything yet
    c1 = features.loc["C1"]
    assert c1["recency_days"] == pytest.approx((CUTOFF - pd.Timestamp("2026-02-20 09:00")).total_seconds() / 86_400)
    assert (c1["purchases"], c1["purchases_30d"], c1["purchases_90d"], c1["spend"]) == (2, 1, 2, 50.0)
    assert c1["categories"] == 2


@pytest.mark.unit
def test_labels_look_only_at_the_horizon_after_the_cutoff():
    labels = churn_labels(TINY, pd.Index(["C1", "C2", "C3"]), CUTOFF)
    # C1 buys 4 days after, C3 9 days after; C2 only 45 days after, inside the 60-day horizon.
    assert labels.to_dict() == {"C1": 0, "C2": 0, "C3": 0}
    later = churn_labels(TINY, pd.Index(["C1", "C2", "C3"]), CUTOFF + pd.Timedelta(days=10))
    assert later.to_dict() == {"C1": 1, "C2": 0, "C3": 1}


@pytest.mark.unit
def test_training_label_windows_end_before_the_test_cutoff():
    data_end = pd.Timestamp("2026-07-01")
    training, test_cutoff = split_cutoffs(data_end)
    assert test_cutoff + pd.Timedelta(days=HORIZON_DAYS) == data_end
    assert all(cutoff + pd.Timedelta(days=HORIZON_DAYS) <= test_cutoff for cutoff in training)
    assert training == sorted(training)


@pytest.mark.e2e
@pytest.mark.spark
def test_gold_features_at_the_test_cutoff_do_not_leak(customer_purchases):
    data_end = customer_purchases["transaction_ts"].max().normalize() + pd.Timedelta(days=1)
    _, test_cutoff = split_cutoffs(data_end)
    truncated = customer_purchases[customer_purchases["transaction_ts"] < test_cutoff]
    pd.testing.assert_frame_equal(churn_features(customer_purchases, test_cutoff),
                                  churn_features(truncated, test_cutoff))


@pytest.mark.e2e
@pytest.mark.spark
def test_roc_auc_on_the_time_split_test_set_is_at_least_075(churn_run, customer_purchases):
    data_end = customer_purchases["transaction_ts"].max().normalize() + pd.Timedelta(days=1)
    test_cutoff = data_end - pd.Timedelta(days=HORIZON_DAYS)
    # Labels recomputed here: who bought nothing in the last 60 days of data.
    bought = set(customer_purchases.loc[customer_purchases["transaction_ts"] >= test_cutoff, "customer_id"])
    labels = [0 if customer in bought else 1 for customer in churn_run.test["customer_id"]]
    assert 0 < sum(labels) < len(labels)
    assert roc_auc_score(labels, churn_run.test["churn_score"]) >= 0.75


@pytest.mark.e2e
@pytest.mark.spark
def test_test_set_holds_only_customers_active_before_the_cutoff(churn_run, customer_purchases):
    data_end = customer_purchases["transaction_ts"].max().normalize() + pd.Timedelta(days=1)
    test_cutoff = data_end - pd.Timedelta(days=HORIZON_DAYS)
    recent = customer_purchases[(customer_purchases["transaction_ts"] < test_cutoff)
                                & (customer_purchases["transaction_ts"] > test_cutoff - pd.Timedelta(days=90))]
    assert set(churn_run.test["customer_id"]) == set(recent["customer_id"])


@pytest.mark.e2e
@pytest.mark.spark
def test_scores_are_calibrated_on_the_test_set(churn_run):
    # Calibrated: on average the predicted churn probability matches how many did churn.
    assert churn_run.test["churn_score"].mean() == pytest.approx(churn_run.test["label"].mean(), abs=0.05)


@pytest.mark.e2e
@pytest.mark.spark
def test_every_customer_has_a_churn_score_in_gold(ml_world, gold_table):
    behavior = gold_table("fact_customer_behavior")
    assert behavior["churn_score"].between(0, 1).all()
    assert (behavior["churn_flag"] == (behavior["churn_score"] >= 0.5)).all()
    assert set(behavior["customer_id"]) == set(ml_world.behavior_before["customer_id"])
