"""Customer segments: K-Means on standardised RFM and product-mix features, named from profiles.

Features per customer (from gold, as of the last day of data): recency, frequency and monetary
value (log scale: a few big spenders should not own the distance), the number of categories
bought, the share of spend in the customer's top category (specialist or generalist) and the
average line amount (log). k is the one of K_RANGE with the best silhouette score. Customers
without any purchase get the segment NO_PURCHASES instead of a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from jobs.errors import PlatformError

K_RANGE = range(3, 7)  # at least 3: two segments tell marketing nothing new
RANDOM_STATE = 42
N_INIT = 10
NO_PURCHASES = "No purchases yet"
FEATURES = ("recency", "frequency", "monetary", "categories", "top_category_share", "average_line")
# A cluster centre this many standard deviations from the mean counts as high (or low).
_NOTABLE = 0.5


@dataclass(frozen=True)
class SegmentationResult:
    """`segments`: customer_id -> segment name for every customer; `profiles`: per segment its
    size and median raw features; `model`: the fitted scaler + K-Means pipeline."""

    segments: pd.Series
    profiles: pd.DataFrame
    model: Pipeline
    names: dict[int, str]
    metrics: dict[str, float]


def segment_features(behavior: pd.DataFrame, purchases: pd.DataFrame) -> pd.DataFrame:
    """Raw features of the customers of `behavior` with at least one purchase, indexed by customer_id.

    `behavior`: fact_customer_behavior (recency_days, frequency, monetary, distinct_categories);
    `purchases`: customer_id, category, amount per purchase on an account the customer holds.
    """
    buyers = behavior[behavior["frequency"] > 0].set_index("customer_id").sort_index()
    spend = purchases.groupby(["customer_id", "category"])["amount"].sum().unstack(fill_value=0.0)
    top_share = (spend.max(axis=1) / spend.sum(axis=1)).reindex(buyers.index).fillna(0.0)
    monetary = buyers["monetary"].astype(float)
    return pd.DataFrame({
        "recency": buyers["recency_days"].astype(float),
        "frequency": buyers["frequency"].astype(float),
        "monetary": monetary,
        "categories": buyers["distinct_categories"].astype(float),
        "top_category_share": top_share,
        "average_line": monetary / buyers["frequency"].astype(float),
    }, index=buyers.index)


def model_inputs(features: pd.DataFrame) -> pd.DataFrame:
    """Log-scale the skewed money and count features before standardising."""
    inputs = features.loc[:, list(FEATURES)].copy()
    for column in ("recency", "frequency", "monetary", "average_line"):
        inputs[column] = np.log1p(inputs[column].clip(lower=0))
    return inputs


def _primary_trait(centre: pd.Series) -> str:
    value = (centre["frequency"] + centre["monetary"]) / 2
    if centre["recency"] >= 2 * _NOTABLE:
        return "Lapsed" if value < 0 else "At-risk high-value"
    if centre["recency"] >= _NOTABLE:
        return "At-risk"
    if value >= _NOTABLE:
        return "High-value loyal"
    if value <= -_NOTABLE:
        return "Occasional"
    return "Regular"


def _secondary_trait(centre: pd.Series) -> str:
    traits = {
        "category specialists": centre["top_category_share"],
        "broad baskets": centre["categories"],
        "big-ticket buyers": centre["average_line"],
        "small baskets": -centre["average_line"],
    }
    return max(traits, key=lambda trait: traits[trait])


def name_segments(centres: pd.DataFrame) -> dict[int, str]:
    """A readable, unique name per cluster from its standardised centre (rows: clusters).

    The main trait comes from recency and value; clusters sharing it get their most
    distinctive other trait added, e.g. "Regular, category specialists".
    """
    primary = {cluster: _primary_trait(centre) for cluster, centre in centres.iterrows()}
    names = {}
    for cluster, centre in centres.iterrows():
        shared = sum(1 for other in primary.values() if other == primary[cluster]) > 1
        names[cluster] = f"{primary[cluster]}, {_secondary_trait(centre)}" if shared else primary[cluster]
    seen: dict[str, int] = {}
    for cluster in sorted(names):  # still equal: number them, in cluster order
        seen[names[cluster]] = seen.get(names[cluster], 0) + 1
        if seen[names[cluster]] > 1:
            names[cluster] = f"{names[cluster]} {seen[names[cluster]]}"
    return names


def segment_customers(behavior: pd.DataFrame, purchases: pd.DataFrame) -> SegmentationResult:
    """One segment per customer of `behavior`: K-Means clusters for buyers, NO_PURCHASES otherwise.

    Deterministic: fixed random_state, customers in customer_id order.
    """
    features = segment_features(behavior, purchases)
    if len(features) <= max(K_RANGE):
        raise PlatformError(
            f"segmentation needs more than {max(K_RANGE)} customers with purchases, got {len(features)}")
    inputs = model_inputs(features)
    scaled = StandardScaler().fit_transform(inputs)
    silhouettes = {
        k: float(silhouette_score(scaled, KMeans(k, n_init=N_INIT, random_state=RANDOM_STATE).fit_predict(scaled)))
        for k in K_RANGE
    }
    best_k = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    model = Pipeline([("scale", StandardScaler()),
                      ("kmeans", KMeans(best_k, n_init=N_INIT, random_state=RANDOM_STATE))]).fit(inputs)
    labels = model.named_steps["kmeans"].labels_
    centres = pd.DataFrame(model.named_steps["kmeans"].cluster_centers_, columns=list(FEATURES))
    names = name_segments(centres)

    segments = pd.Series(NO_PURCHASES, index=behavior["customer_id"].sort_values().to_numpy(), name="segment")
    segments.loc[features.index] = [names[label] for label in labels]
    by_segment = features.assign(segment=segments.loc[features.index]).groupby("segment")
    profiles = by_segment.median()
    profiles.insert(0, "customers", by_segment.size())
    metrics = {"k": float(best_k), "silhouette": silhouettes[best_k]}
    metrics |= {f"silhouette.k{k}": score for k, score in silhouettes.items()}
    metrics |= {f"customers.{segment}": float(count) for segment, count in segments.value_counts().sort_index().items()}
    return SegmentationResult(segments=segments, profiles=profiles, model=model, names=names, metrics=metrics)
