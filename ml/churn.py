"""Churn: will a customer make no purchase in the next HORIZON_DAYS days?

Label at a cut-off day t: no transaction on any account the customer holds in [t, t + H).
Features at t use only transactions before t (`churn_features` never looks further).
Who is scored at t: customers with a purchase in the ACTIVE_DAYS before t; someone silent for
longer has already left, and predicting that would only flatter the metrics.

Time-based split: the test cut-off is H days before the end of the data (the last window that
can be labelled); training snapshots are monthly cut-offs whose label windows end on or before
the test cut-off, so no training label peeks into the test period. A gradient-boosting model is
calibrated with isotonic regression (CalibratedClassifierCV), so churn_score reads as a
probability; churn_flag is churn_score >= FLAG_THRESHOLD. The evaluated model then scores every
customer as of the day after the last transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score

from jobs.errors import PlatformError

HORIZON_DAYS = 60
ACTIVE_DAYS = 90
TRAINING_SNAPSHOTS = 6
SNAPSHOT_STEP_DAYS = 30
FLAG_THRESHOLD = 0.5
RANDOM_STATE = 0
FEATURES = (
    "recency_days", "tenure_days", "purchases", "purchases_30d", "purchases_90d", "purchases_180d",
    "spend", "spend_90d", "categories", "purchases_per_day", "recency_vs_usual_gap", "trend_90d",
)
CLASSIFIER_PARAMS = {"max_depth": 3, "learning_rate": 0.05, "max_iter": 200, "random_state": RANDOM_STATE}
CALIBRATION = {"method": "isotonic", "cv": 5}


@dataclass(frozen=True)
class ChurnResult:
    """`scores`: customer_id, churn_score, churn_flag for every customer; `test`: the held-out
    snapshot (customer_id, label, churn_score); `model`: the calibrated classifier."""

    scores: pd.DataFrame
    test: pd.DataFrame
    model: CalibratedClassifierCV
    metrics: dict[str, float]
    window: dict[str, str]


def _count_within(age_days: pd.Series, customer: pd.Series, days: int) -> pd.Series:
    return (age_days < days).groupby(customer).sum()


def churn_features(purchases: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Behaviour before `cutoff` of every customer with a purchase before it, indexed by customer_id.

    `purchases`: customer_id, transaction_ts, amount, category. Rows at or after `cutoff` are
    dropped first, so the result is the same whatever the data holds after the cut-off.
    """
    before = purchases[purchases["transaction_ts"] < cutoff]
    customer = before["customer_id"]
    age = (cutoff - before["transaction_ts"]).dt.total_seconds() / 86_400
    by_customer = age.groupby(customer)
    recent_spend = before["amount"].where(age < 90, 0.0)
    features = pd.DataFrame({
        "recency_days": by_customer.min(),
        "tenure_days": by_customer.max(),
        "purchases": by_customer.size().astype(float),
        "purchases_30d": _count_within(age, customer, 30),
        "purchases_90d": _count_within(age, customer, 90),
        "purchases_180d": _count_within(age, customer, 180),
        "spend": before["amount"].groupby(customer).sum(),
        "spend_90d": recent_spend.groupby(customer).sum(),
        "categories": before["category"].groupby(customer).nunique(),
    }).astype(float)
    features["purchases_per_day"] = features["purchases"] / features["tenure_days"].clip(lower=1)
    # Days since the last purchase in units of the customer's usual gap between purchases.
    features["recency_vs_usual_gap"] = features["recency_days"] * features["purchases_per_day"]
    # Purchases in the last 90 days against the 90 days before them (1 = steady, < 1 = slowing).
    previous_90d = features["purchases_180d"] - features["purchases_90d"]
    features["trend_90d"] = (features["purchases_90d"] + 1) / (previous_90d + 1)
    return features.loc[:, list(FEATURES)].sort_index()


def churn_labels(purchases: pd.DataFrame, customers: pd.Index, cutoff: pd.Timestamp) -> pd.Series:
    """1 for each of `customers` with no purchase in [cutoff, cutoff + HORIZON_DAYS), else 0."""
    end = cutoff + pd.Timedelta(days=HORIZON_DAYS)
    window = purchases[(purchases["transaction_ts"] >= cutoff) & (purchases["transaction_ts"] < end)]
    return pd.Series((~customers.isin(window["customer_id"].unique())).astype(int), index=customers, name="label")


def snapshot(purchases: pd.DataFrame, cutoff: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels at `cutoff` of the customers active in the ACTIVE_DAYS before it."""
    features = churn_features(purchases, cutoff)
    features = features[features["recency_days"] < ACTIVE_DAYS]
    return features, churn_labels(purchases, features.index, cutoff)


def split_cutoffs(data_end: pd.Timestamp) -> tuple[list[pd.Timestamp], pd.Timestamp]:
    """Training cut-offs (oldest first) and the test cut-off for data ending before `data_end`.

    The test label window is the last HORIZON_DAYS of data; every training label window ends
    on or before the test cut-off.
    """
    test_cutoff = data_end - pd.Timedelta(days=HORIZON_DAYS)
    latest_training = test_cutoff - pd.Timedelta(days=HORIZON_DAYS)
    training = [latest_training - pd.Timedelta(days=SNAPSHOT_STEP_DAYS * step) for step in range(TRAINING_SNAPSHOTS)]
    return sorted(training), test_cutoff


def _classifier() -> CalibratedClassifierCV:
    # Churn risk never falls as the time since the last purchase grows.
    monotonic = [1 if name == "recency_days" else 0 for name in FEATURES]
    booster = HistGradientBoostingClassifier(monotonic_cst=monotonic, **CLASSIFIER_PARAMS)
    return CalibratedClassifierCV(booster, **CALIBRATION)


def _stack(purchases: pd.DataFrame, cutoffs: list[pd.Timestamp]) -> tuple[pd.DataFrame, pd.Series]:
    snapshots = [snapshot(purchases, cutoff) for cutoff in cutoffs]
    return (pd.concat([features for features, _ in snapshots]),
            pd.concat([labels for _, labels in snapshots]))


def predict_churn(purchases: pd.DataFrame, customers: pd.Index) -> ChurnResult:
    """Train on the training snapshots, evaluate on the test snapshot, score `customers` at the end.

    `purchases`: customer_id, transaction_ts, amount, category. The data end is the day after
    the last purchase. Customers without any purchase are scored on missing features (the
    booster handles them). Raises PlatformError when a snapshot has only one class.
    """
    data_end = purchases["transaction_ts"].max().normalize() + pd.Timedelta(days=1)
    training_cutoffs, test_cutoff = split_cutoffs(data_end)
    train_x, train_y = _stack(purchases, training_cutoffs)
    test_x, test_y = snapshot(purchases, test_cutoff)
    for name, labels in (("training", train_y), ("test", test_y)):
        if labels.nunique() < 2:
            raise PlatformError(f"the churn {name} set has only one class: too little history for churn prediction")

    model = _classifier().fit(train_x, train_y)
    test_score = model.predict_proba(test_x)[:, 1]
    metrics = {
        "roc_auc": float(roc_auc_score(test_y, test_score)),
        "brier": float(brier_score_loss(test_y, test_score)),
        "test_customers": float(len(test_y)),
        "test_churn_rate": float(test_y.mean()),
        "train_rows": float(len(train_y)),
        "train_churn_rate": float(train_y.mean()),
    }

    current = churn_features(purchases, data_end).reindex(customers.sort_values())
    score = model.predict_proba(current)[:, 1]
    scores = pd.DataFrame({"customer_id": current.index, "churn_score": score, "churn_flag": score >= FLAG_THRESHOLD})
    metrics["flagged_customers"] = float(scores["churn_flag"].sum())
    test = pd.DataFrame({"customer_id": test_x.index, "label": test_y.to_numpy(), "churn_score": test_score})
    window = {
        "first_training_cutoff": str(training_cutoffs[0].date()),
        "training_labels_end": str((training_cutoffs[-1] + pd.Timedelta(days=HORIZON_DAYS - 1)).date()),
        "test_cutoff": str(test_cutoff.date()),
        "test_labels_end": str((data_end - pd.Timedelta(days=1)).date()),
        "scored_as_of": str(data_end.date()),
    }
    return ChurnResult(scores=scores, test=test, model=model, metrics=metrics, window=window)

