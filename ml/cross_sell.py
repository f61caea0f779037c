"""Cross-sell: item-to-item recommendations from what customers bought together.

A customer "owns" every product bought on any account they hold. Two products are similar
when the same customers own both: cosine similarity of their customer columns. A candidate
product scores the highest similarity to anything the customer owns ("because you bought X"),
so one strong pair is not drowned by many weak links to popular products. Each customer gets
the TOP_N best products they do not own yet (only products with some co-purchase evidence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TOP_N = 5


@dataclass(frozen=True)
class ItemSimilarity:
    """Cosine similarity between products (rows and columns in `products` order), diagonal 0."""

    products: pd.Index
    similarity: np.ndarray


@dataclass(frozen=True)
class CrossSellResult:
    """`recommendations`: customer_id, product_id, rank (1 = best), score; `model`: the similarity."""

    recommendations: pd.DataFrame
    model: ItemSimilarity
    metrics: dict[str, float]


def ownership(purchases: pd.DataFrame) -> tuple[pd.Index, pd.Index, np.ndarray]:
    """Customers, products and the 0/1 matrix of which customer owns which product."""
    pairs = purchases[["customer_id", "product_id"]].drop_duplicates()
    customers = pd.Index(sorted(pairs["customer_id"].unique()))
    products = pd.Index(sorted(pairs["product_id"].unique()))
    owned = np.zeros((len(customers), len(products)))
    owned[customers.get_indexer(pairs["customer_id"]), products.get_indexer(pairs["product_id"])] = 1.0
    return customers, products, owned


def item_similarity(owned: np.ndarray, products: pd.Index) -> ItemSimilarity:
    """Cosine similarity of the product columns of the ownership matrix."""
    norms = np.sqrt(owned.sum(axis=0))
    similarity = (owned.T @ owned) / np.outer(norms, norms)
    np.fill_diagonal(similarity, 0.0)
    return ItemSimilarity(products=products, similarity=similarity)


def candidate_scores(owned: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """Per customer and product: the highest similarity to an owned product; owned ones -inf."""
    scores = np.zeros_like(owned)
    for product in range(owned.shape[1]):  # one row update per owned product, not a 3-D array
        holders = owned[:, product] > 0
        scores[holders] = np.maximum(scores[holders], similarity[product])
    scores[owned > 0] = -np.inf
    return scores


def top_n(customers: pd.Index, products: pd.Index, scores: np.ndarray, n: int) -> pd.DataFrame:
    """The n best-scoring products with a positive score per customer (ties by product_id)."""
    best = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    best_score = np.take_along_axis(scores, best, axis=1)
    frame = pd.DataFrame({
        "customer_id": np.repeat(customers.to_numpy(), best.shape[1]),
        "product_id": products.to_numpy()[best.ravel()],
        "rank": np.tile(np.arange(1, best.shape[1] + 1), len(customers)),
        "score": best_score.ravel(),
    })
    return frame[frame["score"] > 0].reset_index(drop=True)


def recommend_products(purchases: pd.DataFrame, n: int = TOP_N) -> CrossSellResult:
    """Top-n new products per customer from `purchases` (customer_id, product_id per purchase)."""
    customers, products, owned = ownership(purchases)
    model = item_similarity(owned, products)
    recommendations = top_n(customers, products, candidate_scores(owned, model.similarity), n)
    per_customer = recommendations.groupby("customer_id").size()
    metrics = {
        "customers_with_recommendations": float(len(per_customer)),
        "recommendations": float(len(recommendations)),
        "mean_products_owned": float(owned.sum(axis=1).mean()),
    }
    return CrossSellResult(recommendations=recommendations, model=model, metrics=metrics)


def affinity_hit_rate(recommendations: pd.DataFrame, purchases: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, float]:
    """On planted pairs (product_a, product_b): among customers who own a but not b, the share
    with b in their recommendations."""
    owners = purchases.groupby("product_id")["customer_id"].agg(set)
    recommended = recommendations.groupby("product_id")["customer_id"].agg(set)
    holders = hits = 0
    for product_a, product_b in pairs[["product_a", "product_b"]].itertuples(index=False):
        lacking = owners.get(product_a, set()) - owners.get(product_b, set())
        holders += len(lacking)
        hits += len(lacking & recommended.get(product_b, set()))
    return {"affinity_holders": float(holders), "affinity_hit_rate": hits / holders if holders else float("nan")}
