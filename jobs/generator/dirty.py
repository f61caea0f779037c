"""Dirty rows for the quarantine to catch, and the truth about each of them.

Each dirty row has exactly one defect and still the right number of CSV fields. Transaction
defects are planted on rows outside affinity baskets and anomalies; their row key is the
transaction_id (a duplicate shares it with the clean row it copies). Dirty customers and
products are extra rows with new ids that nothing else refers to, so rejecting them does
not ripple into other datasets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from jobs.generator.pools import Pools
from jobs.generator.timeline import SECONDS_PER_DAY, WINDOW_DAYS, Timeline
from jobs.generator.transactions import TransactionRows

TRANSACTION_DEFECTS = (
    "exact_duplicate",  # a second, identical row
    "duplicate_transaction_id",  # a second row with the same id and different content
    "unknown_account",
    "unknown_product",
    "nonpositive_quantity",
    "negative_amount",
    "bad_timestamp",
    "missing_field",  # a required field is empty
    "unknown_channel",
)
_ADDED_ROW_DEFECTS = {0, 1}  # the duplicates are extra rows; the other defects rewrite a row
_REQUIRED_FIELDS = ("account_id", "product_id", "amount", "quantity", "transaction_ts", "channel")
_UNKNOWN_CHANNELS = ("fax", "kiosk", "telex", "carrier_pigeon")
_DUPLICATE_DISTANCE = 500  # a duplicate turns up within this many rows after its original


@dataclass
class DirtyRows:
    """Truth rows (dataset, row_key, defect) and raw-text overrides for the CSV writer."""

    truth: list[tuple[str, str, str]] = field(default_factory=list)
    # column -> (row positions, raw text written there instead of the formatted value)
    overrides: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def override(self, column: str, positions: np.ndarray, texts: list[str]) -> None:
        known_positions, known_texts = self.overrides.get(column, (np.empty(0, dtype=np.int64), []))
        self.overrides[column] = (np.concatenate([known_positions, positions]), known_texts + texts)


def transaction_defect_kinds(count: int) -> np.ndarray:
    """The defect of each of `count` dirty transactions: every kind in turn."""
    return np.arange(count) % len(TRANSACTION_DEFECTS)


def added_transaction_rows(count: int) -> int:
    """How many of `count` dirty transactions are extra rows (duplicates)."""
    return int(np.isin(transaction_defect_kinds(count), list(_ADDED_ROW_DEFECTS)).sum())


def transaction_id(number: int) -> str:
    return f"T{number:08d}"


def _bad_timestamps(rng: np.random.Generator, seconds: np.ndarray) -> list[str]:
    """Timestamps no ISO parser accepts: day-first, a 13th month, or words."""
    dates = seconds.astype("datetime64[s]").astype(str)  # YYYY-MM-DDTHH:MM:SS
    variant = rng.integers(0, 3, len(seconds))
    texts = []
    for text, kind in zip(dates, variant, strict=True):
        if kind == 0:
            texts.append(f"{text[8:10]}/{text[5:7]}/{text[0:4]} {text[11:16]}")
        elif kind == 1:
            texts.append(f"{text[0:4]}-13-{text[8:]}")
        else:
            texts.append("not a timestamp")
    return texts


def plant_transaction_defects(rng: np.random.Generator, rows: TransactionRows, protected: np.ndarray,
                              count: int) -> tuple[TransactionRows, np.ndarray, DirtyRows]:
    """Plant `count` dirty rows in time-ordered clean `rows` numbered 1..n.

    Returns the rows as written (duplicates inserted after their original), the transaction
    number of each written row, and the text overrides with the truth. `protected` rows
    (baskets, anomalies) are never touched.
    """
    kinds = transaction_defect_kinds(count)
    chosen = np.sort(rng.choice(np.flatnonzero(~protected), size=count, replace=False))
    kinds = rng.permutation(kinds)
    numbers = np.arange(1, len(rows) + 1)
    added = np.isin(kinds, list(_ADDED_ROW_DEFECTS))
    originals, added_kinds = chosen[added], kinds[added]

    # Each duplicate lands a few hundred rows after its original, like a late resend.
    landing = np.minimum(originals + rng.integers(1, _DUPLICATE_DISTANCE, len(originals)), len(rows) - 1)
    keys = np.concatenate([2 * np.arange(len(rows)), 2 * landing + 1])
    order = np.argsort(keys, kind="stable")
    source = np.concatenate([np.arange(len(rows)), originals])[order]
    written = replace(rows, **{name: getattr(rows, name)[source] for name in
                               ("account", "product", "quantity", "amount_cents", "seconds", "channel", "in_basket")})
    written_numbers = numbers[source]
    position = np.empty(len(source), dtype=np.int64)
    position[order] = np.arange(len(source))  # where each source entry ended up
    duplicate_at = position[len(rows):]
    clean_at = position[chosen[~added]]

    conflict = duplicate_at[added_kinds == 1]
    written.amount_cents[conflict] += rng.integers(100, 5_000, len(conflict))
    written.seconds[conflict] += rng.integers(60, 3_600, len(conflict))

    dirty = DirtyRows()
    rewritten_kinds = kinds[~added]
    for kind_index, kind in enumerate(TRANSACTION_DEFECTS):
        at = clean_at[rewritten_kinds == kind_index]
        if kind == "unknown_account":
            dirty.override("account_id", at, [f"A9{n:05d}" for n in rng.integers(0, 100_000, len(at))])
        elif kind == "unknown_product":
            dirty.override("product_id", at, [f"P9{n:03d}" for n in rng.integers(0, 1_000, len(at))])
        elif kind == "nonpositive_quantity":
            written.quantity[at] = -rng.integers(0, 3, len(at))
        elif kind == "negative_amount":
            written.amount_cents[at] = -written.amount_cents[at]
        elif kind == "bad_timestamp":
            dirty.override("transaction_ts", at, _bad_timestamps(rng, written.seconds[at]))
        elif kind == "missing_field":
            emptied = rng.integers(0, len(_REQUIRED_FIELDS), len(at))
            for field_index, column in enumerate(_REQUIRED_FIELDS):
                dirty.override(column, at[emptied == field_index], [""] * int((emptied == field_index).sum()))
        elif kind == "unknown_channel":
            dirty.override("channel", at, [str(c) for c in rng.choice(_UNKNOWN_CHANNELS, size=len(at))])
    dirty_at = np.concatenate([clean_at, duplicate_at])
    dirty_kinds = np.concatenate([rewritten_kinds, added_kinds])
    dirty.truth = sorted(
        ("transactions", transaction_id(int(written_numbers[at])), TRANSACTION_DEFECTS[kind])
        for at, kind in zip(dirty_at, dirty_kinds, strict=True)
    )
    return written, written_numbers, dirty


_INVALID_EMAILS = ("{local}.example.com", "{local}@", "@{domain}", "{local}@@{domain}", "{local} at {domain}")


def dirty_customer_rows(rng: np.random.Generator, pools: Pools, timeline: Timeline, first_number: int, count: int
                        ) -> tuple[list[dict[str, str]], list[tuple[str, str, str]]]:
    """`count` extra customers numbered from `first_number`: one with an empty name, the
    others with an invalid email. Returns raw rows and truth rows."""
    rows, truth = [], []
    for i in range(count):
        number = first_number + i
        first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        defect = "missing_field" if i == count - 1 else "invalid_email"
        email = _INVALID_EMAILS[i % len(_INVALID_EMAILS)].format(local=local, domain=rng.choice(pools.email_domains))
        day = timeline.start + int(rng.integers(0, WINDOW_DAYS))
        signup = day * SECONDS_PER_DAY + int(rng.integers(0, SECONDS_PER_DAY))
        rows.append({
            "customer_id": f"C{number:06d}",
            "name": "" if defect == "missing_field" else f"{first} {last}",
            "email": f"{local}{number}@{pools.email_domains[0]}" if defect == "missing_field" else email,
            "location": str(rng.choice(pools.locations)),
            "customer_type": "Individual",
            "updated_at": str(np.datetime64(signup, "s")),
        })
        truth.append(("customers", f"C{number:06d}", defect))
    return rows, truth


_PRODUCT_DEFECTS = ("negative_price", "missing_field", "bad_number")


def dirty_product_rows(rng: np.random.Generator, pools: Pools, first_number: int, count: int
                       ) -> tuple[list[dict[str, str]], list[tuple[str, str, str]]]:
    """`count` extra products numbered from `first_number`, cycling through a negative list
    price, an empty category and a list price that is not a number."""
    rows, truth = [], []
    for i in range(count):
        product_id = f"P{first_number + i:04d}"
        defect = _PRODUCT_DEFECTS[i % len(_PRODUCT_DEFECTS)]
        price = int(rng.integers(500, 20_000))
        list_price = {"negative_price": f"-{price / 100:.2f}", "bad_number": "N/A"}.get(defect, f"{price / 100:.2f}")
        rows.append({
            "product_id": product_id,
            "product_name": f"{rng.choice(pools.last_names)} Sample Item",
            "category": "" if defect == "missing_field" else "Clearance",
            "supplier": str(rng.choice(pools.suppliers)),
            "cost_price": f"{price * 0.6 / 100:.2f}",
            "list_price": list_price,
        })
        truth.append(("products", product_id, defect))
    return rows, truth
