"""Anomaly detection: recall of the generator's planted anomalies within the top 2% of scores."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ml.anomalies import anomaly_features, neighbours_within, top_share_flags


@pytest.fixture(scope="module")
def scores(gold_table) -> pd.DataFrame:
    return gold_table("ml_anomaly_scores")


@pytest.mark.e2e
@pytest.mark.spark
def test_recall_of_planted_anomalies_in_the_top_2_percent_is_at_least_07(scores, ml_world):
    planted = pd.read_csv(ml_world.truth / "anomalies.csv")
    planted = planted[planted["transaction_id"].isin(scores["transaction_id"])]
    top = scores.nlargest(math.ceil(0.02 * len(scores)), "anomaly_score")
    assert len(planted) > 100
    assert planted["transaction_id"].isin(top["transaction_id"]).mean() >= 0.7


@pytest.mark.e2e
@pytest.mark.spark
def test_exactly_the_top_2_percent_is_flagged(scores):
    flagged = scores[scores["is_anomaly"]]
    assert len(flagged) == math.ceil(0.02 * len(scores))
    assert flagged["anomaly_score"].min() >= scores.loc[~scores["is_anomaly"], "anomaly_score"].max()


@pytest.mark.e2e
@pytest.mark.spark
def test_every_gold_transaction_is_scored_once(scores, gold_table, ml_world):
    assert sorted(scores["transaction_id"]) == sorted(gold_table("fact_transaction")["transaction_id"])
    assert (scores["model_version"] == ml_world.summary.version).all()


@pytest.mark.unit
def test_burst_size_counts_the_same_accounts_transactions_within_an_hour():
    account = pd.Series(["A1", "A1", "A1", "A2", "A1"])
    timestamp = pd.to_datetime(pd.Series(["2026-01-01 10:00", "2026-01-01 10:20", "2026-01-01 11:10",
                                          "2026-01-01 10:05", "2026-01-01 14:00"]))
    # 10:00 sees 10:20; 10:20 sees 10:00 and 11:10; 11:10 sees 10:20; A2 and 14:00 are alone.
    assert list(neighbours_within(account, timestamp, 3_600)) == [1, 2, 1, 0, 0]


@pytest.mark.unit
def test_only_more_than_usual_counts_as_unusual():
    transactions = pd.DataFrame({
        "transaction_id": ["T1", "T2", "T3", "T4"],
        "account_id": ["A1"] * 4,
        "product_id": ["P1", "P1", "P1", "P2"],
        "amount": [10.0, 10.0, 1.0, 100.0],
        "transaction_ts": pd.to_datetime(["2026-01-01 09:00", "2026-01-02 09:00", "2026-01-03 09:00",
                                          "2026-01-04 09:00"]),
        "list_price": [10.0, 10.0, 10.0, 100.0],
    })
    features = anomaly_features(transactions)
    cheap, expensive = features.iloc[2], features.iloc[3]
    assert cheap["amount_vs_account"] == 0 and cheap["account_zscore"] == 0
    assert expensive["amount_vs_account"] == pytest.approx(math.log(100 / 10))  # median of the account: 10
    assert expensive["price_level"] == pytest.approx(math.log(100 / 10)) and cheap["price_level"] == 0
    assert features["hour_rarity"].tolist() == [0.0] * 4  # every transaction at 9 am: nothing rare


@pytest.mark.unit
def test_top_share_flags_exactly_the_rounded_up_share():
    flags = top_share_flags(pd.Series([0.1, 0.9, 0.5, 0.7]).to_numpy(), 0.3)
    assert flags.tolist() == [False, True, False, True]  # ceil(0.3 x 4) = 2 highest
