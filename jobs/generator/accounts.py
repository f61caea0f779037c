"""Accounts, their holders (joint accounts) and the days each account is active."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobs.generator.people import Customers
from jobs.generator.timeline import SECONDS_PER_DAY, WINDOW_DAYS, Timeline
from jobs.model.values import ACCOUNT_TYPES

ACCOUNTS_PER_CUSTOMER = 1.2
JOINT_SHARE = 0.20
THREE_HOLDER_SHARE = 0.25  # of the joint accounts
# Shares per account type, in the order of ACCOUNT_TYPES.
_FIRST_ACCOUNT_TYPE = np.array([0.70, 0.20, 0.10, 0.0])
_EXTRA_ACCOUNT_TYPE = np.array([0.10, 0.50, 0.40, 0.0])
# Median balance in dollars per account type; credit accounts owe money.
_MEDIAN_BALANCE = np.array([2_500.0, 12_000.0, -1_200.0, 40_000.0])
_BUSINESS_ACTIVITY = 2.5


@dataclass(frozen=True)
class Accounts:
    """Accounts sorted by opening day; index i is account_id A{i+1:06d}."""

    account_type: np.ndarray  # index into ACCOUNT_TYPES
    balance_cents: np.ndarray
    opened_day: np.ndarray  # epoch day
    primary: np.ndarray  # customer index of the one Primary holder
    # One row per holder, account then Primary first.
    holder_account: np.ndarray
    holder_customer: np.ndarray
    holder_is_primary: np.ndarray
    # Window days [active_from, active_until) in which the account transacts.
    active_from: np.ndarray
    active_until: np.ndarray
    activity: np.ndarray  # relative transaction rate while active

    @property
    def count(self) -> int:
        return len(self.primary)


def account_ids(numbers: np.ndarray | range) -> list[str]:
    """Business keys of accounts numbered from 1."""
    return [f"A{number:06d}" for number in numbers]


def _opened_days(rng: np.random.Generator, timeline: Timeline, customers: Customers, primary: np.ndarray,
                 extra: np.ndarray) -> np.ndarray:
    """The first account opens at sign-up; extra accounts later, and a month before any churn."""
    signup_day = customers.signup_seconds // SECONDS_PER_DAY
    opened = signup_day[primary].copy()
    limit = np.minimum(timeline.start + WINDOW_DAYS - 90, timeline.start + customers.churn_day[primary[extra]] - 30)
    span = np.maximum(limit - opened[extra], 1)
    opened[extra] += (rng.random(len(extra)) * span).astype(np.int64)
    return opened


def _secondary_holders(rng: np.random.Generator, primary: np.ndarray, holders: np.ndarray,
                       group_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Secondary holders of joint accounts, drawn from the primary's group (churners hold
    accounts with churners), never the primary and never twice on one account."""
    secondary = np.full((len(primary), 2), -1, dtype=np.int64)
    for group in np.unique(group_of):
        members = np.flatnonzero(group_of == group)
        in_group = np.flatnonzero(group_of[primary] == group)
        for slot in range(2):
            needs = in_group[holders[in_group] > slot + 1]
            taken = np.column_stack([primary[needs], secondary[needs, :slot]])
            draw = members[rng.integers(0, len(members), len(needs))]
            clash = (draw[:, None] == taken).any(axis=1)
            while clash.any():
                draw[clash] = members[rng.integers(0, len(members), int(clash.sum()))]
                clash = (draw[:, None] == taken).any(axis=1)
            secondary[needs, slot] = draw
    return secondary[:, 0], secondary[:, 1]


def build_accounts(rng: np.random.Generator, timeline: Timeline, customers: Customers) -> Accounts:
    """About 1.2 accounts per customer: every customer is the Primary of one account opened
    at sign-up, some have extra accounts; about 20% of accounts are joint (2-3 holders)."""
    count = round(customers.count * ACCOUNTS_PER_CUSTOMER)
    extra = np.arange(customers.count, count)
    primary = np.concatenate([np.arange(customers.count), rng.integers(0, customers.count, len(extra))])
    opened = _opened_days(rng, timeline, customers, primary, extra)
    order = np.argsort(opened, kind="stable")
    primary, opened = primary[order], opened[order]
    is_extra = order >= customers.count

    first_type = rng.choice(len(ACCOUNT_TYPES), size=count, p=_FIRST_ACCOUNT_TYPE)
    extra_type = rng.choice(len(ACCOUNT_TYPES), size=count, p=_EXTRA_ACCOUNT_TYPE)
    business = customers.is_business[primary]
    account_type = np.where(business, ACCOUNT_TYPES.index("Business"), np.where(is_extra, extra_type, first_type))
    balance_cents = np.round(_MEDIAN_BALANCE[account_type] * rng.lognormal(0.0, 0.8, count) * 100).astype(np.int64)

    joint = rng.random(count) < JOINT_SHARE
    holders = np.where(joint, np.where(rng.random(count) < THREE_HOLDER_SHARE, 3, 2), 1)
    churned = customers.churn_day < WINDOW_DAYS
    second, third = _secondary_holders(rng, primary, holders, churned.astype(np.int64))
    all_holders = np.column_stack([primary, second, third])
    present = all_holders >= 0
    holder_account = np.repeat(np.arange(count), present.sum(axis=1))
    holder_customer = all_holders[present]
    holder_is_primary = np.tile([True, False, False], (count, 1))[present]

    # An account stops on the earliest churn date of its holders.
    churn_day = np.where(present, customers.churn_day[np.where(present, all_holders, 0)], WINDOW_DAYS)
    activity = rng.lognormal(0.0, 0.9, count) * np.where(business, _BUSINESS_ACTIVITY, 1.0)
    return Accounts(
        account_type=account_type,
        balance_cents=balance_cents,
        opened_day=opened,
        primary=primary,
        holder_account=holder_account,
        holder_customer=holder_customer,
        holder_is_primary=holder_is_primary,
        active_from=np.clip(opened - timeline.start, 0, WINDOW_DAYS),
        active_until=churn_day.min(axis=1),
        activity=activity,
    )
