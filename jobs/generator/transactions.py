"""Clean transactions: who buys what, when, through which channel, for how much.

Everything is drawn for all rows at once with numpy; there is no loop over transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobs.generator.accounts import Accounts
from jobs.generator.people import Customers
from jobs.generator.products import CATEGORIES, Products
from jobs.generator.timeline import SECONDS_PER_DAY, WINDOW_DAYS, Timeline
from jobs.model.values import CHANNELS

_CHANNEL_SHARE = np.array([0.35, 0.30, 0.28, 0.07])  # in the order of CHANNELS
_PREFERRED_CHANNEL_SHARE = 0.5  # of an account's purchases go through its preferred channel
DISCOUNT_PERCENT = np.array([0, 5, 10, 20])
_DISCOUNT_SHARE = np.array([0.62, 0.20, 0.12, 0.06])
_FAVOURITE_CATEGORY_SHARE = 0.6
# Relative activity per hour of day (UTC): daytime and evening, very little at 1-4 am.
_HOUR_WEIGHT = np.array([0.6, 0.25, 0.1, 0.08, 0.1, 0.3, 1.0, 2.0, 3.5, 4.5, 5.0, 5.5,
                         6.0, 5.5, 5.0, 5.0, 5.5, 6.0, 6.5, 6.0, 5.0, 3.5, 2.0, 1.2])
_EXPENSIVE_CENTS = 30_000  # above this unit price people buy one at a time
_MAX_QUANTITY = 8
_BASKET_GAP_SECONDS = (60, 1_800)  # the pair partner is bought minutes after the first item


@dataclass
class TransactionRows:
    """Transaction rows as numbers, one entry per row (ids are given later, in time order)."""

    account: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    amount_cents: np.ndarray
    seconds: np.ndarray  # epoch seconds, UTC
    channel: np.ndarray  # index into CHANNELS
    in_basket: np.ndarray  # part of a planted affinity basket: left alone by anomalies and defects

    def __len__(self) -> int:
        return len(self.account)


def line_amount_cents(price_cents: np.ndarray, quantity: np.ndarray, discount_percent: np.ndarray) -> np.ndarray:
    """quantity x list price x (1 - discount), rounded half up to the cent."""
    return (price_cents * quantity * (100 - discount_percent) + 50) // 100


def _pick_within_groups(rng: np.random.Generator, group: np.ndarray, members_group: np.ndarray,
                        members_weight: np.ndarray) -> np.ndarray:
    """For each entry of `group`, an index of a member of that group, chosen by weight.

    Members must be sorted by group. Each group's cumulative weights are scaled to (g, g+1],
    so one searchsorted over all groups picks within the right group.
    """
    cumulative = np.zeros(len(members_weight))
    for g in np.unique(members_group):
        inside = members_group == g
        share = np.cumsum(members_weight[inside])
        share /= share[-1]
        share[-1] = 1.0  # exact, so a draw never spills into the next group
        cumulative[inside] = g + share
    pick = np.searchsorted(cumulative, group + rng.random(len(group)), side="right")
    return np.minimum(pick, len(members_weight) - 1)


def _seasonal_days(rng: np.random.Generator, timeline: Timeline, category: np.ndarray, start: np.ndarray,
                   end: np.ndarray) -> np.ndarray:
    """A window day in [start, end) for each row, drawn in proportion to its category's demand."""
    intensity = timeline.seasonal_intensity(
        np.array([c.december_peak for c in CATEGORIES]), np.array([c.summer_factor for c in CATEGORIES])
    )
    cumulative = np.concatenate([np.zeros((len(CATEGORIES), 1)), np.cumsum(intensity, axis=1)], axis=1)
    cumulative /= cumulative[:, -1:]
    # Shift each category's curve by 2 so that one flat, increasing array holds them all.
    offset = 2.0 * np.arange(len(CATEGORIES))
    flat = (cumulative + offset[:, None]).ravel()
    low = cumulative[category, start]
    high = cumulative[category, end]
    target = low + rng.random(len(category)) * (high - low) + offset[category]
    day = np.searchsorted(flat, target, side="right") - 1 - category * (WINDOW_DAYS + 1)
    return np.clip(day, start, end - 1)


def _seconds_of_day(rng: np.random.Generator, count: int) -> np.ndarray:
    hour = rng.choice(24, size=count, p=_HOUR_WEIGHT / _HOUR_WEIGHT.sum())
    return hour * 3600 + rng.integers(0, 3600, count)


def same_day_shift(seconds: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """`seconds + shift`, or `seconds - shift` where adding would pass midnight."""
    later = seconds + shift
    crosses = later // SECONDS_PER_DAY != seconds // SECONDS_PER_DAY
    return np.where(crosses, seconds - shift, later)


def build_transactions(rng: np.random.Generator, timeline: Timeline, rows: int, baskets: int, customers: Customers,
                       accounts: Accounts, assortment: Products) -> TransactionRows:
    """`rows` clean transaction rows, of which `baskets` pairs are planted affinity baskets.

    Busy accounts transact more; each row's product comes from the holder's favourite
    category or the whole catalogue by popularity; its day follows the category's seasonal
    curve inside the account's active days, so churned accounts stop at their churn date.
    """
    organic = rows - baskets
    days_active = np.maximum(accounts.active_until - accounts.active_from, 0)
    weight = accounts.activity * days_active
    account = rng.choice(accounts.count, size=organic, p=weight / weight.sum())

    favourite = customers.favourite_category[accounts.primary[account]]
    by_category = _pick_within_groups(rng, favourite, assortment.category, assortment.popularity)
    overall = _pick_within_groups(rng, np.zeros(organic, dtype=np.int64), np.zeros_like(assortment.category),
                                  assortment.popularity)
    product = np.where(rng.random(organic) < _FAVOURITE_CATEGORY_SHARE, by_category, overall)

    # Basket: the first row of a planted pair becomes product a; its partner b follows below.
    source = rng.choice(organic, size=baskets, replace=False)
    pair = rng.integers(0, len(assortment.affinity_pairs), baskets)
    product[source] = assortment.affinity_pairs[pair, 0]

    day = _seasonal_days(rng, timeline, assortment.category[product], accounts.active_from[account],
                         accounts.active_until[account])
    seconds = (timeline.start + day) * SECONDS_PER_DAY + _seconds_of_day(rng, organic)

    preferred = rng.choice(len(CHANNELS), size=accounts.count, p=_CHANNEL_SHARE)
    channel = np.where(rng.random(organic) < _PREFERRED_CHANNEL_SHARE, preferred[account],
                       rng.choice(len(CHANNELS), size=organic, p=_CHANNEL_SHARE))

    account = np.concatenate([account, account[source]])
    product = np.concatenate([product, assortment.affinity_pairs[pair, 1]])
    seconds = np.concatenate([seconds, same_day_shift(seconds[source], rng.integers(*_BASKET_GAP_SECONDS, baskets))])
    channel = np.concatenate([channel, channel[source]])
    in_basket = np.zeros(rows, dtype=bool)
    in_basket[source] = True
    in_basket[organic:] = True

    price = assortment.price_cents[product]
    quantity = np.minimum(rng.geometric(0.6, rows), _MAX_QUANTITY)
    quantity = np.where(price > _EXPENSIVE_CENTS, 1 + (rng.random(rows) < 0.1), quantity)
    discount = DISCOUNT_PERCENT[rng.choice(len(DISCOUNT_PERCENT), size=rows, p=_DISCOUNT_SHARE)]
    return TransactionRows(
        account=account,
        product=product,
        quantity=quantity,
        amount_cents=line_amount_cents(price, quantity, discount),
        seconds=seconds,
        channel=channel,
        in_basket=in_basket,
    )
