"""Unusual transactions with an Isolation Forest; the top FLAG_SHARE of scores are flagged.

Features, each one-sided (only "more than usual" is suspicious: a small purchase is not a risk):
- amount_vs_account: log of amount / the account's median amount, floored at 0;
- account_zscore: (amount - account mean) / account standard deviation, floored at 0;
- hour_rarity: -log of the share of all transactions made in that hour of the day;
- burst_size: other transactions of the account within an hour before or after;
- price_level: log of the product's list price / the median list price, floored at 0;
- amount_vs_product: log of amount / the product's median line amount, floored at 0
  (many units of an expensive product).
The model never sees a label; the generator's truth only judges it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

FLAG_SHARE = 0.02
BURST_WINDOW_SECONDS = 3_600
FEATURES = ("amount_vs_account", "account_zscore", "hour_rarity", "burst_size", "price_level", "amount_vs_product")
FOREST_PARAMS = {"n_estimators": 200, "random_state": 42}


@dataclass(frozen=True)
class AnomalyResult:
    """`scores`: transaction_id, anomaly_score (higher = more unusual), is_anomaly; `model`: the forest."""

    scores: pd.DataFrame
    model: IsolationForest
    metrics: dict[str, float]


def _log_ratio_above(value: pd.Series, reference: pd.Series | float) -> pd.Series:
    return np.log(value / reference).clip(lower=0).fillna(0.0)


def neighbours_within(account: pd.Series, timestamp: pd.Series, seconds: int) -> np.ndarray:
    """For each row, how many other rows of the same account lie within `seconds` of it."""
    order = np.lexsort((timestamp.to_numpy(), account.to_numpy()))
    account_code = pd.factorize(account.to_numpy()[order])[0].astype(np.int64)
    epoch = timestamp.to_numpy()[order].astype("datetime64[s]").astype(np.int64)
    # One sorted key per row: account first, time second, so a searchsorted never leaves the account.
    span = epoch.max() - epoch.min() + 2 * seconds + 1
    key = account_code * span + (epoch - epoch.min())
    count = np.searchsorted(key, key + seconds, side="right") - np.searchsorted(key, key - seconds, side="left") - 1
    result = np.empty_like(count)
    result[order] = count
    return result


def anomaly_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """The FEATURES of every transaction, in the row order of `transactions`.

    `transactions`: transaction_id, account_id, product_id, amount, transaction_ts, list_price.
    """
    amount = transactions["amount"]
    by_account = amount.groupby(transactions["account_id"])
    spread = by_account.transform("std").replace(0, np.nan)
    hour = transactions["transaction_ts"].dt.hour
    hour_share = hour.map(hour.value_counts(normalize=True))
    product_median = amount.groupby(transactions["product_id"]).transform("median")
    return pd.DataFrame({
        "amount_vs_account": _log_ratio_above(amount, by_account.transform("median")),
        "account_zscore": ((amount - by_account.transform("mean")) / spread).clip(lower=0).fillna(0.0),
        "hour_rarity": -np.log(hour_share),
        "burst_size": neighbours_within(transactions["account_id"], transactions["transaction_ts"],
                                        BURST_WINDOW_SECONDS).astype(float),
        "price_level": _log_ratio_above(transactions["list_price"], transactions["list_price"].median()),
        "amount_vs_product": _log_ratio_above(amount, product_median),
    }, index=transactions.index)


def top_share_flags(scores: np.ndarray, share: float) -> np.ndarray:
    """True for the ceil(share x n) highest scores (ties broken by position, so exactly that many)."""
    flagged = np.zeros(len(scores), dtype=bool)
    count = int(np.ceil(share * len(scores)))
    flagged[np.argsort(-scores, kind="stable")[:count]] = True
    return flagged


def detect_anomalies(transactions: pd.DataFrame) -> AnomalyResult:
    """Score every transaction with an Isolation Forest and flag the top FLAG_SHARE."""
    features = anomaly_features(transactions)
    model = IsolationForest(**FOREST_PARAMS).fit(features.to_numpy())
    score = -model.score_samples(features.to_numpy())  # scikit-learn: lower is more abnormal
    flagged = top_share_flags(score, FLAG_SHARE)
    scores = pd.DataFrame({"transaction_id": transactions["transaction_id"].to_numpy(), "anomaly_score": score,
                           "is_anomaly": flagged})
    metrics = {"transactions": float(len(scores)), "flagged": float(flagged.sum()),
               "score_threshold": float(score[flagged].min()) if flagged.any() else float("nan")}
    return AnomalyResult(scores=scores, model=model, metrics=metrics)


def recall_against_truth(scores: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Recall and precision of the flags on the planted anomalies (transaction_id, anomaly_type)
    that reached gold, overall and per anomaly type."""
    planted = truth[truth["transaction_id"].isin(scores["transaction_id"])]
    flagged = set(scores.loc[scores["is_anomaly"], "transaction_id"])
    hit = planted["transaction_id"].isin(flagged)
    metrics = {
        "truth_anomalies": float(len(planted)),
        "recall_top_share": float(hit.mean()) if len(planted) else float("nan"),
        "precision_top_share": float(hit.sum() / len(flagged)) if flagged else float("nan"),
    }
    metrics |= {f"recall.{kind}": float(share) for kind, share in hit.groupby(planted["anomaly_type"]).mean().items()}
    return metrics
