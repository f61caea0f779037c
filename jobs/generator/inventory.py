"""Weekly stock snapshots per product and warehouse from a simple reorder simulation.

Each week demand (Poisson around the product's popularity times its category's season) is
taken from stock; when stock is at or below the reorder point, an order up to a target level
is placed and arrives 1-3 weeks later. Late deliveries during busy weeks run stock down to
the reorder point and sometimes to zero (a stock-out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobs.generator.products import CATEGORIES, Products
from jobs.generator.timeline import Timeline, day_of_week

_MEAN_WEEKLY_UNITS = 40.0
_LEAD_WEEKS = np.array([1, 2, 3])
_LEAD_SHARE = np.array([0.55, 0.33, 0.12])


@dataclass(frozen=True)
class Inventory:
    """One entry per snapshot row, in (snapshot day, product, warehouse) order."""

    product: np.ndarray
    warehouse: np.ndarray  # index into the warehouse names
    snapshot_day: np.ndarray  # epoch day
    quantity: np.ndarray
    reorder_point: np.ndarray


def snapshot_days(timeline: Timeline) -> np.ndarray:
    """Epoch days of the Sundays in the window: one snapshot per week."""
    days = timeline.days()
    return days[day_of_week(days) == 6]


def _weekly_season(timeline: Timeline, assortment: Products, snapshots: np.ndarray) -> np.ndarray:
    """Mean seasonal demand of the week ending on each snapshot, per product (mean 1)."""
    intensity = timeline.seasonal_intensity(
        np.array([c.december_peak for c in CATEGORIES]), np.array([c.summer_factor for c in CATEGORIES])
    )
    intensity /= intensity.mean(axis=1, keepdims=True)
    end = snapshots - timeline.start + 1
    cumulative = np.concatenate([np.zeros((len(CATEGORIES), 1)), np.cumsum(intensity, axis=1)], axis=1)
    weekly = (cumulative[:, end] - cumulative[:, np.maximum(end - 7, 0)]) / np.minimum(end, 7)
    return weekly[assortment.category]


def build_inventory(rng: np.random.Generator, timeline: Timeline, assortment: Products, warehouses: int) -> Inventory:
    """Simulate stock of every product in every warehouse, one snapshot per week."""
    snapshots = snapshot_days(timeline)
    products = len(assortment.category)
    weeks = len(snapshots)
    # Series are product-major: series s is product s // warehouses in warehouse s % warehouses.
    popularity = np.clip(assortment.popularity * products, 0.3, 6.0)
    share = rng.dirichlet(np.full(warehouses, 4.0), products) * warehouses
    mean_units = (_MEAN_WEEKLY_UNITS * popularity[:, None] * share).ravel()
    season = np.repeat(_weekly_season(timeline, assortment, snapshots), warehouses, axis=0)
    demand = rng.poisson(mean_units[:, None] * season)

    reorder_point = np.ceil(mean_units * 2 * rng.uniform(0.8, 1.4, len(mean_units))).astype(np.int64)
    order_up_to = reorder_point + np.ceil(mean_units * rng.uniform(5.0, 10.0, len(mean_units))).astype(np.int64)
    lead = rng.choice(_LEAD_WEEKS, size=(len(mean_units), weeks), p=_LEAD_SHARE)

    stock = rng.integers(reorder_point + 1, order_up_to + 1)
    arrivals = np.zeros((len(mean_units), weeks + _LEAD_WEEKS.max() + 1), dtype=np.int64)
    on_order_until = np.full(len(mean_units), -1)
    quantity = np.empty((len(mean_units), weeks), dtype=np.int64)
    series = np.arange(len(mean_units))
    # A loop over the ~104 weeks only; each step works on all series at once.
    for week in range(weeks):
        stock = np.maximum(stock + arrivals[:, week] - demand[:, week], 0)
        quantity[:, week] = stock
        reorder = (stock <= reorder_point) & (on_order_until < week)
        arrive = week + lead[:, week]
        arrivals[series[reorder], arrive[reorder]] += order_up_to[reorder] - stock[reorder]
        on_order_until[reorder] = arrive[reorder]

    # Week-major rows: all products and warehouses of the first Sunday, then the next.
    return Inventory(
        product=np.tile(np.repeat(np.arange(products), warehouses), weeks),
        warehouse=np.tile(np.arange(warehouses), products * weeks),
        snapshot_day=np.repeat(snapshots, products * warehouses),
        quantity=quantity.T.ravel(),
        reorder_point=np.tile(reorder_point, weeks),
    )
