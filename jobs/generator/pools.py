"""Pools of names, places and companies drawn once from a seeded Faker.

Faker costs about 0.2 ms per name, far too slow for one call per customer at 200,000
customers; customers pick from these pools with numpy instead. The pools are large enough
that combinations (first x last name, city per country) rarely repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

# Locales with real city names, and the country written after the city.
_LOCATION_LOCALES = {
    "en_US": "United States",
    "en_GB": "United Kingdom",
    "de_DE": "Germany",
    "es_ES": "Spain",
    "it_IT": "Italy",
    "nl_NL": "Netherlands",
    "pl_PL": "Poland",
    "sv_SE": "Sweden",
}
_CITIES_PER_COUNTRY = 40
_FIRST_NAMES = 600
_LAST_NAMES = 1_000
_SUPPLIERS = 40
_EMAIL_DOMAINS = 12


@dataclass(frozen=True)
class Pools:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    email_domains: tuple[str, ...]
    locations: tuple[str, ...]  # "City, Country"
    suppliers: tuple[str, ...]


def _distinct(draw, count: int) -> tuple[str, ...]:
    """Up to `count` distinct values from `draw()`, in first-seen order (deterministic)."""
    seen: dict[str, None] = {}
    for _ in range(count * 3):
        seen.setdefault(draw(), None)
        if len(seen) == count:
            break
    return tuple(seen)


def _city_draw(places: Faker):
    """`places.city`, except where Faker builds the locale's city list from a set (it_IT): a
    set's order changes with every Python process, and the seeded draws with it, so such a list
    is sorted first."""
    cities = next((p.cities for p in places.providers if isinstance(getattr(p, "cities", None), list)), None)
    if cities is None:
        return places.city
    ordered = sorted(cities)
    return lambda: places.random_element(ordered)


def build_pools(seed: int) -> Pools:
    """Draw every pool from Faker instances seeded with `seed`."""
    # Unweighted draws are 20x faster; every name in Faker's lists is still a real one.
    people = Faker("en_US", use_weighting=False)
    people.seed_instance(seed)
    locations: list[str] = []
    for locale, country in _LOCATION_LOCALES.items():
        places = Faker(locale, use_weighting=False)
        places.seed_instance(seed)
        locations += [f"{city}, {country}" for city in _distinct(_city_draw(places), _CITIES_PER_COUNTRY)]
    return Pools(
        first_names=_distinct(people.first_name, _FIRST_NAMES),
        last_names=_distinct(people.last_name, _LAST_NAMES),
        email_domains=_distinct(people.free_email_domain, _EMAIL_DOMAINS),
        locations=tuple(locations),
        suppliers=_distinct(people.company, _SUPPLIERS),
    )
