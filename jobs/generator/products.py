"""Products, their categories and popularity, and the planted affinity pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobs.generator.pools import Pools
from jobs.model.values import PRODUCT_CATEGORIES


@dataclass(frozen=True)
class Category:
    name: str
    median_price: float  # dollars, the centre of a log-normal price spread
    december_peak: float  # demand multiplier in mid-December
    summer_factor: float  # demand multiplier in late July (< 1 is a summer dip)
    nouns: tuple[str, ...]


# The test-data profile of each category of the model.
_PROFILES = (
    Category("Electronics", 180.0, 2.0, 0.85, ("Headphones", "Speaker", "Monitor", "Keyboard", "Charger", "Tablet",
                                                "Camera", "Smartwatch", "Router", "Earbuds")),
    Category("Clothing", 45.0, 1.6, 0.90, ("Jacket", "T-Shirt", "Jeans", "Sweater", "Dress", "Scarf", "Sneakers",
                                           "Hoodie", "Coat", "Boots")),
    Category("Home & Kitchen", 60.0, 1.5, 1.00, ("Blender", "Kettle", "Pan Set", "Lamp", "Cutlery Set", "Toaster",
                                                 "Duvet", "Coffee Maker", "Vase", "Knife Block")),
    Category("Groceries", 8.0, 1.25, 1.00, ("Coffee Beans", "Olive Oil", "Green Tea", "Pasta", "Chocolate",
                                            "Granola", "Honey", "Rice", "Spice Mix", "Jam")),
    Category("Books", 18.0, 1.7, 1.05, ("Novel", "Cookbook", "Atlas", "Biography", "Travel Guide", "Poetry Collection",
                                        "Comic", "Dictionary", "Workbook", "Anthology")),
    Category("Sports & Outdoors", 70.0, 1.2, 1.35, ("Tent", "Yoga Mat", "Bicycle Helmet", "Running Shoes",
                                                    "Water Bottle", "Backpack", "Dumbbells", "Sleeping Bag",
                                                    "Tennis Racket", "Swim Goggles")),
    Category("Toys", 30.0, 2.4, 0.90, ("Puzzle", "Building Blocks", "Board Game", "Plush Bear", "Toy Car",
                                       "Doll House", "Kite", "Train Set", "Science Kit", "Card Game")),
    Category("Beauty", 25.0, 1.6, 1.00, ("Face Cream", "Shampoo", "Perfume", "Lipstick", "Sunscreen", "Hair Dryer",
                                         "Nail Kit", "Body Lotion", "Serum", "Razor")),
    Category("Garden", 40.0, 0.80, 1.50, ("Hose", "Planter", "Seed Kit", "Pruning Shears", "Garden Chair",
                                          "Lawn Sprinkler", "Compost Bin", "Bird Feeder", "Watering Can",
                                          "Solar Light")),
    Category("Office", 22.0, 0.95, 0.60, ("Notebook", "Desk Organizer", "Pen Set", "Stapler", "Desk Lamp",
                                          "Office Chair", "Printer Paper", "Whiteboard", "Planner", "Label Maker")),
)
_BY_NAME = {category.name: category for category in _PROFILES}
CATEGORIES = tuple(_BY_NAME[name] for name in PRODUCT_CATEGORIES)
_CATEGORY_WEIGHTS = np.array([0.13, 0.14, 0.12, 0.14, 0.09, 0.08, 0.07, 0.09, 0.06, 0.08])
_ADJECTIVES = ("Classic", "Pro", "Compact", "Deluxe", "Eco", "Essential", "Premium", "Smart", "Ultra", "Everyday",
               "Vintage", "Lite")


@dataclass(frozen=True)
class Products:
    """Products sorted by category; index i is product_id P{i+1:04d}."""

    names: list[str]
    category: np.ndarray  # index into CATEGORIES
    supplier: list[str]
    cost_cents: np.ndarray
    price_cents: np.ndarray
    popularity: np.ndarray  # sums to 1: share of organic purchases
    affinity_pairs: np.ndarray  # shape (pairs, 2): product indexes (a, b)


def product_ids(count: int, first: int = 1) -> list[str]:
    return [f"P{number:04d}" for number in range(first, first + count)]


def build_products(rng: np.random.Generator, pools: Pools, products: int, pairs: int) -> Products:
    """`products` products over all categories (each category at least once) and `pairs`
    affinity pairs drawn from the less popular half, so that most purchases of a pair's
    products come from the planted baskets and the pair stands out."""
    category = np.concatenate([
        np.arange(len(CATEGORIES)),
        rng.choice(len(CATEGORIES), size=products - len(CATEGORIES), p=_CATEGORY_WEIGHTS),
    ])
    category.sort(kind="stable")
    median = np.array([c.median_price for c in CATEGORIES])[category]
    # Prices end in .99 like a shop's; never below 1.99.
    dollars = np.maximum(np.round(median * rng.lognormal(0.0, 0.45, products)), 2.0)
    price_cents = (dollars * 100 - 1).astype(np.int64)
    cost_cents = np.round(price_cents * rng.uniform(0.45, 0.75, products)).astype(np.int64)

    # Zipf-like popularity over a random ranking of the products.
    rank = rng.permutation(products) + 1
    weight = 1.0 / rank**0.8
    least_popular_half = np.argsort(-weight, kind="stable")[products // 2:]
    chosen = rng.choice(least_popular_half, size=2 * pairs, replace=False)
    weight[chosen] = weight.min()  # pair products sell mostly through their planted baskets

    nouns = [CATEGORIES[k].nouns[rng.integers(len(CATEGORIES[k].nouns))] for k in category]
    adjectives = rng.choice(_ADJECTIVES, size=products)
    brands = rng.choice(pools.last_names, size=products)
    suppliers = rng.choice(pools.suppliers, size=products)
    return Products(
        names=[f"{brand} {adjective} {noun}" for brand, adjective, noun in zip(brands, adjectives, nouns, strict=True)],
        category=category,
        supplier=[str(s) for s in suppliers],
        cost_cents=cost_cents,
        price_cents=price_cents,
        popularity=weight / weight.sum(),
        affinity_pairs=chosen.reshape(pairs, 2),
    )
