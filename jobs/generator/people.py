"""Customers: identity, sign-up, moves (the SCD type 2 source) and the churner cohort."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from jobs.generator.pools import Pools
from jobs.generator.products import CATEGORIES
from jobs.generator.timeline import SECONDS_PER_DAY, WINDOW_DAYS, Timeline

CHURN_SHARE = 0.15
MOVER_SHARE = 0.10  # customers with a second version (new location)
TWICE_MOVED_SHARE = 0.20  # of the movers, those with a third version
BUSINESS_SHARE = 0.10
IN_WINDOW_SIGNUP_SHARE = 0.15  # the rest signed up before the window
EARLY_SIGNUP_DAYS = 2008  # the others signed up in the five and a half years before the window
_LAST_SIGNUP_WINDOW_DAY = 548  # new customers arrive during the first 18 months
_CHURN_MARGIN_DAYS = 60  # churn at least this long after becoming active and before the end
_INDUSTRIES = ("Logistics", "Consulting", "Bakery", "Studio", "Builders", "Dental", "Software", "Travel", "Florist",
               "Motors", "Media", "Legal")
_COMPANY_SUFFIXES = ("Ltd", "LLC", "Inc", "& Co", "Group")


@dataclass(frozen=True)
class Customers:
    """Clean customers sorted by sign-up; index i is customer_id C{i+1:06d}."""

    names: list[str]
    emails: list[str]
    is_business: np.ndarray
    signup_seconds: np.ndarray  # epoch seconds; also updated_at of the first version
    favourite_category: np.ndarray
    churn_day: np.ndarray  # window day of the churn date; WINDOW_DAYS for customers who stay
    # One entry per version (the first version included), in customer then time order.
    version_customer: np.ndarray
    version_seconds: np.ndarray
    version_location: np.ndarray  # index into Pools.locations

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def churners(self) -> np.ndarray:
        return np.flatnonzero(self.churn_day < WINDOW_DAYS)


def customer_ids(numbers: np.ndarray | range) -> list[str]:
    """Business keys of customers numbered from 1."""
    return [f"C{number:06d}" for number in numbers]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names_and_emails(rng: np.random.Generator, pools: Pools, is_business: np.ndarray) -> tuple[list[str], list[str]]:
    """Person names for individuals, "<Surname> <Industry> <Suffix>" for businesses; emails
    derived from them, lower case."""
    count = len(is_business)
    first = rng.choice(pools.first_names, size=count)
    last = rng.choice(pools.last_names, size=count)
    domain = rng.choice(pools.email_domains, size=count)
    industry = rng.choice(_INDUSTRIES, size=count)
    suffix = rng.choice(_COMPANY_SUFFIXES, size=count)
    names, emails = [], []
    # One pass over customers (not transactions): string building has no numpy equivalent.
    for i, business in enumerate(is_business):
        number = i + 1  # the customer number keeps every email address unique
        if business:
            names.append(f"{last[i]} {industry[i]} {suffix[i]}")
            emails.append(f"info{number}@{_slug(last[i])}{_slug(industry[i])}.com")
        else:
            names.append(f"{first[i]} {last[i]}")
            emails.append(f"{_slug(first[i])}.{_slug(last[i])}{number}@{domain[i]}")
    return names, emails


def _signup_seconds(rng: np.random.Generator, timeline: Timeline, count: int) -> np.ndarray:
    in_window = rng.random(count) < IN_WINDOW_SIGNUP_SHARE
    day = np.where(
        in_window,
        timeline.start + rng.integers(0, _LAST_SIGNUP_WINDOW_DAY, count),
        rng.integers(timeline.start - EARLY_SIGNUP_DAYS, timeline.start, count),
    )
    return np.sort(day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, count))


def _churn_days(rng: np.random.Generator, timeline: Timeline, signup_seconds: np.ndarray) -> np.ndarray:
    count = len(signup_seconds)
    churn_day = np.full(count, WINDOW_DAYS, dtype=np.int64)
    churners = rng.choice(count, size=round(count * CHURN_SHARE), replace=False)
    active_from = np.maximum(signup_seconds[churners] // SECONDS_PER_DAY - timeline.start, 0)
    span = WINDOW_DAYS - 2 * _CHURN_MARGIN_DAYS - active_from
    churn_day[churners] = active_from + _CHURN_MARGIN_DAYS + (rng.random(len(churners)) * span).astype(np.int64)
    return churn_day


def _versions(rng: np.random.Generator, timeline: Timeline, signup_seconds: np.ndarray, locations: int):
    """First versions at sign-up, then moves to a different location at later times."""
    count = len(signup_seconds)
    movers = np.sort(rng.choice(count, size=round(count * MOVER_SHARE), replace=False))
    twice = rng.random(len(movers)) < TWICE_MOVED_SHARE
    earliest = np.maximum(signup_seconds[movers] + 30 * SECONDS_PER_DAY, timeline.start * SECONDS_PER_DAY)
    latest = np.full(len(movers), (timeline.start + WINDOW_DAYS - 7) * SECONDS_PER_DAY)
    middle = (earliest + latest) // 2
    second_end = np.where(twice, middle, latest)
    second_at = earliest + (rng.random(len(movers)) * (second_end - earliest)).astype(np.int64)
    third_at = middle + (rng.random(len(movers)) * (latest - middle)).astype(np.int64)

    first_location = rng.integers(0, locations, count)
    second_location = (first_location[movers] + 1 + rng.integers(0, locations - 1, len(movers))) % locations
    third_location = (second_location + 1 + rng.integers(0, locations - 1, len(movers))) % locations

    customer = np.concatenate([np.arange(count), movers, movers[twice]])
    seconds = np.concatenate([signup_seconds, second_at, third_at[twice]])
    location = np.concatenate([first_location, second_location, third_location[twice]])
    order = np.lexsort((seconds, customer))
    return customer[order], seconds[order], location[order]


def build_customers(rng: np.random.Generator, pools: Pools, timeline: Timeline, count: int) -> Customers:
    """`count` customers with sign-ups from years before the window into it, churners and moves."""
    is_business = rng.random(count) < BUSINESS_SHARE
    names, emails = _names_and_emails(rng, pools, is_business)
    signup_seconds = _signup_seconds(rng, timeline, count)
    version_customer, version_seconds, version_location = _versions(rng, timeline, signup_seconds, len(pools.locations))
    return Customers(
        names=names,
        emails=emails,
        is_business=is_business,
        signup_seconds=signup_seconds,
        favourite_category=rng.integers(0, len(CATEGORIES), count),
        churn_day=_churn_days(rng, timeline, signup_seconds),
        version_customer=version_customer,
        version_seconds=version_seconds,
        version_location=version_location,
    )
