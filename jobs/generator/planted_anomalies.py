"""Plant anomalous transactions by rewriting a few clean rows of busy accounts.

Every anomaly is a purchase of an expensive product worth 5-20x the account's median line
amount (amount still equals quantity x list price, no discount). On top of that:
`amount_spike` keeps its usual time, `odd_hour` moves to 1-4 am, and `burst` is 3-5
such purchases on one account within minutes, online. Nothing in the transaction extracts marks
them; only the truth file does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobs.generator.products import Products
from jobs.generator.timeline import SECONDS_PER_DAY
from jobs.generator.transactions import TransactionRows
from jobs.model.values import CHANNELS

ANOMALY_TYPES = ("amount_spike", "odd_hour", "burst")
_TYPE_SHARE = (0.4, 0.3, 0.3)
MIN_HISTORY = 8  # clean rows an account needs before it can have an anomaly
_FACTOR = (5.0, 20.0)
_EXPENSIVE_SHARE = 0.2  # anomalies buy from the most expensive fifth of the catalogue
_BURST_SIZE = (3, 6)  # 3 to 5 rows
_BURST_GAP_SECONDS = (20, 240)
_ODD_HOURS = (1, 5)  # 01:00:00 to 04:59:59


@dataclass(frozen=True)
class PlantedAnomalies:
    rows: np.ndarray  # row positions in the TransactionRows
    kind: np.ndarray  # index into ANOMALY_TYPES


def _burst_rows(rng: np.random.Generator, grouped: np.ndarray, start: np.ndarray, count: np.ndarray,
                eligible: np.ndarray, wanted_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive rows (in random order, so any rows) of distinct eligible accounts."""
    groups = min(max(1, round(wanted_rows / 4)), len(eligible) // 2)
    size = rng.integers(*_BURST_SIZE, groups)
    burst_account = rng.choice(eligible, size=groups, replace=False)
    first_offset = (rng.random(groups) * (count[burst_account] - size + 1)).astype(np.int64)
    group = np.repeat(np.arange(groups), size)
    member = np.arange(len(group)) - np.repeat(np.cumsum(size) - size, size)
    rows = grouped[start[burst_account][group] + first_offset[group] + member]
    return rows, group


def plant_anomalies(rng: np.random.Generator, rows: TransactionRows, assortment: Products, count: int) -> PlantedAnomalies:
    """Rewrite about `count` rows (outside affinity baskets) into anomalies, in place."""
    candidates = np.flatnonzero(~rows.in_basket)
    grouped = candidates[np.argsort(rows.account[candidates], kind="stable")]
    per_account = np.bincount(rows.account[candidates], minlength=rows.account.max() + 1)
    start = np.cumsum(per_account) - per_account
    eligible = np.flatnonzero(per_account >= MIN_HISTORY)
    median_cents = pd.Series(rows.amount_cents[candidates]).groupby(rows.account[candidates]).median()

    burst, burst_group = _burst_rows(rng, grouped, start, per_account, eligible, round(count * _TYPE_SHARE[2]))
    free = np.setdiff1d(candidates[np.isin(rows.account[candidates], eligible)], burst)
    singles = rng.choice(free, size=count - len(burst), replace=False)
    spikes = round(count * _TYPE_SHARE[0])
    planted = np.concatenate([singles, burst])
    kind = np.concatenate([np.zeros(spikes, dtype=np.int64), np.ones(len(singles) - spikes, dtype=np.int64),
                           np.full(len(burst), 2)])

    # Far above the account's usual: an expensive product, enough units to reach the target.
    target = median_cents.reindex(rows.account[planted]).to_numpy() * rng.uniform(*_FACTOR, len(planted))
    most_expensive = max(1, round(len(assortment.price_cents) * _EXPENSIVE_SHARE))
    expensive = np.argsort(assortment.price_cents, kind="stable")[-most_expensive:]
    product = rng.choice(expensive, size=len(planted))
    quantity = np.maximum(np.ceil(target / assortment.price_cents[product]), 1).astype(np.int64)
    rows.product[planted] = product
    rows.quantity[planted] = quantity
    rows.amount_cents[planted] = quantity * assortment.price_cents[product]

    odd = singles[spikes:]
    day_start = rows.seconds[odd] // SECONDS_PER_DAY * SECONDS_PER_DAY
    rows.seconds[odd] = day_start + rng.integers(_ODD_HOURS[0] * 3600, _ODD_HOURS[1] * 3600, len(odd))

    # A burst keeps the day of its first row and packs all its rows into a few minutes.
    gap = rng.integers(*_BURST_GAP_SECONDS, len(burst))
    first = np.r_[True, burst_group[1:] != burst_group[:-1]]
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[first], np.bincount(burst_group))
    span = np.bincount(burst_group, weights=gap).astype(np.int64)
    anchor = rows.seconds[burst[first]]
    anchor_day = anchor // SECONDS_PER_DAY * SECONDS_PER_DAY
    anchor = anchor_day + np.minimum(anchor - anchor_day, SECONDS_PER_DAY - 1 - span)
    rows.seconds[burst] = anchor[burst_group] + elapsed
    rows.channel[burst] = CHANNELS.index("online")
    return PlantedAnomalies(rows=planted, kind=kind)
