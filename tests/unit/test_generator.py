"""The seeded generator: contract, determinism and every planted shape, checked from the CSVs
with plain pandas (never with the generator's own code)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobs import storage
from jobs.config import Settings, load_settings
from jobs.errors import PlatformError
from jobs.generator import generate_raw
from jobs.ingest import landing
from jobs.ingest.raw_contract import RAW_COLUMNS, TRUTH_FILES

pytestmark = pytest.mark.unit

SCALE = 5_000
SEED = 11
CHANNELS = {"online", "mobile", "store", "phone"}
# A "now" of its own (not today, not the course's): the window must follow it.
NOW = date(2027, 3, 15)
WINDOW_END = pd.Timestamp(NOW) - pd.Timedelta(days=1)  # the day before now
WINDOW_START = WINDOW_END - pd.Timedelta(days=729)  # two years: 730 days


def _settings(home: Path) -> Settings:
    return load_settings("local").model_copy(update={"home": home})


class Generated:
    """One generated data set read back as text-only DataFrames."""

    def __init__(self, home: Path, scale: int, seed: int, now: date | None = NOW) -> None:
        self.settings = _settings(home)
        self.summary = generate_raw(self.settings, transactions=scale, seed=seed, now=now)
        self.raw_dir = Path(self.summary.raw_uri)
        self.truth_dir = Path(self.summary.truth_uri)

    def extracts(self, name: str) -> list[Path]:
        return sorted((self.raw_dir / name).glob(f"{name}_*.csv"))

    def raw(self, name: str) -> pd.DataFrame:
        """Every extract of a dataset, oldest first: the whole history the source delivered."""
        return pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False) for path in self.extracts(name)],
                         ignore_index=True)

    def truth(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.truth_dir / f"{name}.csv", dtype=str, keep_default_na=False)

    def dirty_ids(self, dataset: str) -> set[str]:
        dirty = self.truth("dirty_rows")
        return set(dirty.loc[dirty.dataset == dataset, "row_key"])

    def clean_transactions(self) -> pd.DataFrame:
        """Transactions without any row whose id the dirty truth names, typed."""
        rows = self.raw("transactions")
        rows = rows[~rows.transaction_id.isin(self.dirty_ids("transactions"))].copy()
        rows["ts"] = pd.to_datetime(rows.transaction_ts, format="%Y-%m-%dT%H:%M:%S")
        rows["amount"] = rows.amount.astype(float)
        rows["quantity"] = rows.quantity.astype(int)
        return rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Generated:
    return Generated(tmp_path_factory.mktemp("generated"), SCALE, SEED)


def _files(raw: Path, truth: Path) -> dict[str, bytes]:
    files = {f"raw/{path.relative_to(raw)}": path.read_bytes() for path in sorted(raw.rglob("*.csv"))}
    files |= {f"truth/{name}": (truth / f"{name}.csv").read_bytes() for name in TRUTH_FILES}
    return files


def _all_files(data: Generated) -> dict[str, bytes]:
    return _files(data.raw_dir, data.truth_dir)


def test_same_seed_gives_identical_bytes_and_another_seed_differs(generated, tmp_path):
    again = _all_files(Generated(tmp_path / "again", SCALE, SEED))
    other = _all_files(Generated(tmp_path / "other", SCALE, SEED + 1))
    first = _all_files(generated)
    assert first == again
    # Header-only change files (a day without new products) are alike in every world.
    differing = {name for name in first if first[name] != other[name]}
    assert {name for name in first if first[name].count(b"\n") > 1} <= differing


def test_same_seed_gives_identical_bytes_in_another_python_process(generated, tmp_path):
    # Another hash seed reorders every set: a draw that depends on a set's order shows here.
    home = tmp_path / "other-process"
    environment = {**os.environ, "PYTHONHASHSEED": "12345", "RTDP_HOME": str(home), "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-m", "jobs.cli", "generate", "--env", "local", "--scale", str(SCALE), "--seed", str(SEED),
                    "--now", NOW.isoformat()],
                   check=True, env=environment, capture_output=True, cwd=tmp_path, text=True)
    assert f"History from {WINDOW_START:%Y-%m-%d} to {WINDOW_END:%Y-%m-%d}," in run.stdout
    settings = _settings(home)
    assert _files(Path(settings.layer_uri("raw")), Path(settings.layer_uri("truth"))) == _all_files(generated)


def test_every_file_has_exactly_the_contract_columns_and_counted_rows(generated):
    expected_names = list(RAW_COLUMNS) + list(TRUTH_FILES)
    assert list(generated.summary.row_counts) == expected_names
    truth_columns = {"anomalies": ["transaction_id", "anomaly_type"], "churners": ["customer_id", "churn_date"],
                     "affinities": ["product_a", "product_b"], "dirty_rows": ["dataset", "row_key", "defect"]}
    for name in expected_names:
        paths = generated.extracts(name) if name in RAW_COLUMNS else [generated.truth_dir / f"{name}.csv"]
        header = list(RAW_COLUMNS[name]) if name in RAW_COLUMNS else truth_columns[name]
        rows = 0
        for path in paths:
            records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
            assert records[0] == header, path.name
            assert {len(record) for record in records[1:]} <= {len(header)}, path.name
            rows += len(records) - 1
        assert rows == generated.summary.row_counts[name], name
    assert generated.summary.row_counts["transactions"] == SCALE


def test_values_use_the_contract_formats(generated):
    money, timestamp, date = r"-?\d+\.\d{2}", r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", r"\d{4}-\d{2}-\d{2}"
    raw = generated.raw("transactions")
    clean = raw[~raw.transaction_id.isin(generated.dirty_ids("transactions"))]
    assert clean.amount.str.fullmatch(money).all()
    assert clean.transaction_ts.str.fullmatch(timestamp).all()
    assert set(clean.channel) == CHANNELS
    assert generated.raw("accounts").balance.str.fullmatch(money).all()
    assert generated.raw("accounts").opened_date.str.fullmatch(date).all()
    assert generated.raw("inventory").snapshot_date.str.fullmatch(date).all()
    customers = generated.raw("customers")
    assert customers.updated_at.str.fullmatch(timestamp).all()
    assert set(customers.customer_type) == {"Individual", "Business"}
    products = generated.raw("products")
    clean_products = products[~products.product_id.isin(generated.dirty_ids("products"))]
    assert clean_products.list_price.str.fullmatch(money).all()
    assert clean_products.cost_price.str.fullmatch(money).all()
    # Transactions lie inside the fixed window.
    transactions = generated.clean_transactions()
    assert transactions.ts.min() >= WINDOW_START
    assert transactions.ts.max() < WINDOW_END + pd.Timedelta(days=1)


def test_every_account_has_exactly_one_primary_and_joint_accounts_exist(generated):
    holders = generated.raw("customer_accounts")
    accounts = generated.raw("accounts")
    assert set(holders.relationship_type) == {"Primary", "Secondary"}
    assert not holders.duplicated(["customer_id", "account_id"]).any()
    assert set(holders.account_id) == set(accounts.account_id)
    assert set(holders.customer_id) <= set(generated.raw("customers").customer_id)
    primaries = holders[holders.relationship_type == "Primary"].groupby("account_id").size()
    assert (primaries.reindex(accounts.account_id, fill_value=0) == 1).all()
    per_account = holders.groupby("account_id").size()
    assert set(per_account.unique()) == {1, 2, 3}
    assert 0.12 < (per_account > 1).mean() < 0.28


def test_churners_never_transact_on_or_after_their_churn_date(generated):
    churners = generated.truth("churners")
    churners["churn_date"] = pd.to_datetime(churners.churn_date)
    customers = generated.raw("customers").customer_id.nunique() - len(generated.dirty_ids("customers"))
    assert 0.10 < len(churners) / customers < 0.20
    assert churners.churn_date.between(WINDOW_START, WINDOW_END).all()
    assert (churners.churn_date < WINDOW_END - pd.Timedelta(days=59)).all()

    held = generated.raw("customer_accounts").merge(churners, on="customer_id")
    transactions = generated.clean_transactions()
    after = held.merge(transactions, on="account_id")
    assert len(after) > 0  # churners did transact before leaving
    assert (after.ts < after.churn_date).all()
    # Customers who stay keep transacting until the last months of the window.
    last = transactions.groupby("account_id").ts.max()
    stayers_accounts = set(generated.raw("customer_accounts").account_id) - set(held.account_id)
    assert (last.reindex(sorted(stayers_accounts)).dropna() > WINDOW_END - pd.Timedelta(days=90)).mean() > 0.5


def test_affinity_partners_are_bought_together_far_more_than_random_pairs(generated):
    transactions = generated.clean_transactions()
    baskets = transactions.groupby("account_id").product_id.agg(frozenset)

    def lift(a: str, b: str) -> float:
        has_a = baskets.map(lambda products: a in products)
        has_b = baskets.map(lambda products: b in products)
        return (has_a & has_b).mean() / (has_a.mean() * has_b.mean())

    pairs = generated.truth("affinities")
    assert 5 <= len(pairs) <= 25
    planted = [lift(a, b) for a, b in zip(pairs.product_a, pairs.product_b, strict=True)]
    planted_products = set(pairs.product_a) | set(pairs.product_b)
    others = sorted(set(transactions.product_id) - planted_products)
    rng = np.random.default_rng(0)
    random_lifts = [lift(*rng.choice(others, size=2, replace=False)) for _ in range(150)]
    assert min(planted) > 2.5 * np.nanmedian(random_lifts)


def test_weekend_and_december_uplift_in_clean_daily_counts(generated):
    transactions = generated.clean_transactions()
    days = transactions.ts.dt.normalize().value_counts().reindex(pd.date_range(WINDOW_START, WINDOW_END), fill_value=0)
    weekend = days[days.index.dayofweek >= 5].mean()
    weekday = days[days.index.dayofweek < 5].mean()
    assert weekend > 1.15 * weekday
    by_month = days.groupby(days.index.month).mean()
    assert by_month[12] > 1.15 * by_month.drop(12).mean()


def test_anomalies_exist_and_are_far_above_their_accounts_median(generated):
    anomalies = generated.truth("anomalies")
    assert set(anomalies.anomaly_type) == {"amount_spike", "odd_hour", "burst"}
    assert 0.003 < len(anomalies) / SCALE < 0.008
    transactions = generated.clean_transactions()
    found = transactions.merge(anomalies, on="transaction_id")
    assert len(found) == len(anomalies)
    usual_rows = transactions[~transactions.transaction_id.isin(anomalies.transaction_id)]
    usual = usual_rows.groupby("account_id").amount.median()
    ratio = found.amount.to_numpy() / usual.reindex(found.account_id).to_numpy()
    assert (ratio > 3).all()
    odd = found[found.anomaly_type == "odd_hour"]
    assert odd.ts.dt.hour.between(1, 4).all()
    # A burst row always has another burst row on its account within 20 minutes.
    burst = found[found.anomaly_type == "burst"].sort_values(["account_id", "ts"])
    gap_before = burst.groupby("account_id").ts.diff()
    gap_after = -burst.groupby("account_id").ts.diff(-1)
    assert (np.fmin(gap_before, gap_after) <= pd.Timedelta(minutes=20)).all()


def test_customers_have_scd2_versions_with_new_locations(generated):
    customers = generated.raw("customers")
    customers = customers[~customers.customer_id.isin(generated.dirty_ids("customers"))].copy()
    customers["updated_at"] = pd.to_datetime(customers.updated_at)
    versions = customers.groupby("customer_id").size()
    assert 0.05 < (versions >= 2).mean() < 0.15
    movers = customers[customers.customer_id.isin(versions[versions >= 2].index)].sort_values(
        ["customer_id", "updated_at"])
    same_customer = movers.customer_id.eq(movers.customer_id.shift())
    assert (movers.location != movers.location.shift())[same_customer].all()
    assert (movers.updated_at.diff()[same_customer] > pd.Timedelta(0)).all()
    assert (movers.groupby("customer_id")[["name", "email", "customer_type"]].nunique() == 1).all().all()
    # The first version is the sign-up: the day the customer's first Primary account opened.
    holders = generated.raw("customer_accounts").merge(generated.raw("accounts"), on="account_id")
    first_opened = holders[holders.relationship_type == "Primary"].groupby("customer_id").opened_date.min()
    signup = customers.groupby("customer_id").updated_at.min().dt.strftime("%Y-%m-%d")
    assert (signup == first_opened.reindex(signup.index)).all()


def test_amount_is_quantity_times_list_price_less_a_discount(generated):
    transactions = generated.clean_transactions()
    prices = generated.raw("products").set_index("product_id").list_price
    gross = transactions.quantity.to_numpy() * prices.reindex(transactions.product_id).astype(float).to_numpy()
    candidates = np.stack([np.round(gross * (1 - d) + 1e-9, 2) for d in (0, 0.05, 0.1, 0.2)])
    matches = np.isclose(candidates, transactions.amount.to_numpy(), atol=0.006).any(axis=0)
    assert matches.all()
    assert (transactions.quantity >= 1).all()


def test_inventory_is_weekly_with_reorder_points_and_stock_outs(generated):
    inventory = generated.raw("inventory")
    quantity = inventory.quantity.astype(int)
    reorder_point = inventory.reorder_point.astype(int)
    assert (quantity >= 0).all()
    assert 0.02 < (quantity <= reorder_point).mean() < 0.5
    assert (quantity == 0).sum() > 0
    assert (inventory.groupby(["product_id", "warehouse"]).reorder_point.nunique() == 1).all()
    assert 3 <= inventory.warehouse.nunique() <= 4
    dates = pd.to_datetime(pd.Series(sorted(inventory.snapshot_date.unique())))
    assert (dates.diff().dropna() == pd.Timedelta(days=7)).all()
    clean_products = generated.raw("products").product_id.nunique() - len(generated.dirty_ids("products"))
    assert len(inventory) == len(dates) * clean_products * inventory.warehouse.nunique()


def test_dirty_truth_matches_an_independent_check_of_the_csvs(generated):
    dirty = generated.truth("dirty_rows")

    def truth(dataset: str, *defects: str) -> set[str]:
        return set(dirty.loc[(dirty.dataset == dataset) & dirty.defect.isin(defects), "row_key"])

    rows = generated.raw("transactions")
    assert 0.002 < (dirty.dataset == "transactions").sum() / SCALE < 0.006
    repeated = set(rows.transaction_id[rows.transaction_id.duplicated()])
    assert repeated == truth("transactions", "exact_duplicate", "duplicate_transaction_id")
    assert set(rows.transaction_id[rows.duplicated()]) == truth("transactions", "exact_duplicate")

    filled = rows[(rows != "").all(axis=1)]
    required = ["account_id", "product_id", "amount", "quantity", "transaction_ts", "channel"]
    assert set(rows.transaction_id[(rows[required] == "").any(axis=1)]) == truth("transactions", "missing_field")
    known_accounts = set(generated.raw("accounts").account_id)
    assert set(filled.transaction_id[~filled.account_id.isin(known_accounts)]) == truth("transactions",
                                                                                         "unknown_account")
    known_products = set(generated.raw("products").product_id)
    assert set(filled.transaction_id[~filled.product_id.isin(known_products)]) == truth("transactions",
                                                                                         "unknown_product")
    assert set(filled.transaction_id[filled.quantity.astype(int) <= 0]) == truth("transactions", "nonpositive_quantity")
    assert set(filled.transaction_id[filled.amount.astype(float) < 0]) == truth("transactions", "negative_amount")
    unparsed = pd.to_datetime(filled.transaction_ts, format="%Y-%m-%dT%H:%M:%S", errors="coerce").isna()
    assert set(filled.transaction_id[unparsed]) == truth("transactions", "bad_timestamp")
    assert set(filled.transaction_id[~filled.channel.isin(CHANNELS)]) == truth("transactions", "unknown_channel")

    customers = generated.raw("customers")
    valid_email = customers.email.str.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}")
    assert set(customers.customer_id[~valid_email]) == truth("customers", "invalid_email")
    assert set(customers.customer_id[customers.name == ""]) == truth("customers", "missing_field")
    assert truth("customers", "invalid_email")

    products = generated.raw("products")
    price = pd.to_numeric(products.list_price, errors="coerce")
    assert set(products.product_id[price.isna() | (price < 0)]) == truth("products", "negative_price", "bad_number")
    assert set(products.product_id[products.category == ""]) == truth("products", "missing_field")


def test_smallest_scale_still_plants_every_shape(tmp_path):
    data = Generated(tmp_path, 1_000, 3)
    counts = data.summary.row_counts
    assert counts["transactions"] == 1_000
    assert counts["customers"] >= 200
    assert min(counts[name] for name in TRUTH_FILES) > 0
    defects = set(data.truth("dirty_rows").defect)
    assert {"exact_duplicate", "duplicate_transaction_id", "unknown_account", "unknown_product",
            "nonpositive_quantity", "negative_amount", "bad_timestamp", "missing_field", "unknown_channel",
            "invalid_email"} <= defects


@pytest.mark.parametrize("scale, seed", [(999, 1), (10_000_001, 1), (5_000, -1)])
def test_out_of_range_arguments_are_one_line_platform_errors(tmp_path, scale, seed):
    with pytest.raises(PlatformError) as error:
        generate_raw(_settings(tmp_path), transactions=scale, seed=seed)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "data").exists()



def test_each_dataset_is_a_full_extract_then_one_change_file_a_day(generated):
    days = [day.strftime("%Y-%m-%d") for day in pd.date_range(WINDOW_END - pd.Timedelta(days=14), WINDOW_END)]
    for name in RAW_COLUMNS:
        assert [path.name for path in generated.extracts(name)] == [f"{name}_{day}.csv" for day in days], name
    dirty = generated.dirty_ids("transactions")
    for path, day in zip(generated.extracts("transactions"), days, strict=True):
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        clean = rows[~rows.transaction_id.isin(dirty)].transaction_ts.str[:10]
        assert (clean <= day).all() if day == days[0] else (clean == day).all(), path.name
    # Each change file carries only what is new that day: a customer's new versions, new accounts.
    for path, day in zip(generated.extracts("customers")[1:], days[1:], strict=True):
        assert (pd.read_csv(path, dtype=str).updated_at.str[:10] == day).all(), path.name
    assert all(len(pd.read_csv(path)) == 0 for path in generated.extracts("products")[1:])
    assert generated.raw("transactions").transaction_id.is_monotonic_increasing is False  # duplicates repeat an id
    clean_ids = generated.clean_transactions().transaction_id
    assert clean_ids.is_monotonic_increasing  # delivered in time order across the extracts


def test_another_world_empties_the_lake_of_the_one_before_and_says_so(tmp_path):
    settings = _settings(tmp_path)
    first = generate_raw(settings, transactions=1_000, seed=SEED, now=NOW)
    bronze = storage.join(settings.layer_uri("bronze"), "transactions", "part-0.parquet")
    storage.write_bytes(settings, bronze, b"built from the first world")

    assert generate_raw(settings, transactions=1_000, seed=SEED, now=NOW).replaced is None  # the same world again
    assert storage.exists(settings, bronze)

    second = generate_raw(settings, transactions=1_000, seed=SEED + 1, now=NOW)
    assert first.replaced is None
    assert second.replaced == f"seed {SEED}, 1,000 transactions to {WINDOW_END:%Y-%m-%d}"
    assert not storage.exists(settings, bronze)
    assert storage.exists(settings, settings.layer_uri("bronze"))  # emptied, not removed

    storage.write_bytes(settings, bronze, b"built from the second world")
    a_day_later = generate_raw(settings, transactions=1_000, seed=SEED + 1, now=NOW + timedelta(days=1))
    assert a_day_later.replaced == f"seed {SEED + 1}, 1,000 transactions to {WINDOW_END:%Y-%m-%d}"
    assert not storage.exists(settings, bronze)
    assert not list(Path(settings.layer_uri("raw"), "transactions").glob(f"*_{WINDOW_END - pd.Timedelta(days=14):%Y-%m-%d}.csv"))


def test_by_default_the_history_ends_yesterday(tmp_path):
    before = datetime.now(UTC).date()
    summary = generate_raw(_settings(tmp_path), transactions=1_000, seed=SEED)
    after = datetime.now(UTC).date()  # a run across midnight may end on either day
    assert summary.last_day in {before - timedelta(days=1), after - timedelta(days=1)}
    assert summary.first_day == summary.last_day - timedelta(days=729)
    last_extract = max(Path(summary.raw_uri, "transactions").glob("*.csv")).name
    assert last_extract == f"transactions_{summary.last_day}.csv"


def test_the_same_world_written_by_other_generator_code_empties_the_lake_built_from_it(tmp_path):
    settings = _settings(tmp_path)
    generate_raw(settings, transactions=1_000, seed=SEED, now=NOW)
    bronze = storage.join(settings.layer_uri("bronze"), "products", "part-0.parquet")
    storage.write_bytes(settings, bronze, b"built from the old extracts")
    # What an older generator wrote: the products extract of the first day with one column less.
    first_products = landing.extracts(settings, "products")[0]
    old = pd.read_csv(first_products.uri, dtype=str, keep_default_na=False).drop(columns="supplier")
    old.to_csv(first_products.uri, index=False)

    again = generate_raw(settings, transactions=1_000, seed=SEED, now=NOW)

    assert again.replaced == f"the same world from other generator code: {first_products.name} changed"
    assert not storage.exists(settings, bronze)
    assert "supplier" in pd.read_csv(first_products.uri, nrows=0).columns
    assert generate_raw(settings, transactions=1_000, seed=SEED, now=NOW).replaced is None  # byte-identical again
