"""Event sources: replay of the raw transactions file and the synthetic live streams."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from jobs.errors import PlatformError
from jobs.generator import generate_raw
from jobs.ingest import landing
from jobs.model.contracts import INVENTORY_MOVEMENT, TRANSACTION, check_event
from jobs.model.reasons import SCHEMA_VIOLATION
from jobs.stream.sources import (
    catalogue_from_silver,
    replay_transactions,
    replayed_transaction,
    synthetic_inventory_movements,
    synthetic_transactions,
)

pytestmark = pytest.mark.unit
# A fixed world: the same data on any day (the default, today, has tests of its own).
NOW = date(2026, 7, 1)

CLEAN_ROW = {"transaction_id": "T00000042", "account_id": "A000007", "product_id": "P0003", "amount": "59.90",
             "quantity": "2", "transaction_ts": "2025-03-01T14:05:09", "channel": "mobile"}


@pytest.fixture(scope="module")
def raw_settings(tmp_path_factory):
    from jobs.config import load_settings

    home = tmp_path_factory.mktemp("raw-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        settings = load_settings("local")
    generate_raw(settings, transactions=2000, seed=11, now=NOW)
    return settings


def _raw(settings, dataset: str) -> pd.DataFrame:
    return landing.read_table(settings, dataset).to_pandas()


def test_a_clean_raw_row_becomes_a_valid_event_with_the_same_values():
    event = replayed_transaction(CLEAN_ROW, 1)
    document = json.loads(event.value)
    assert check_event(TRANSACTION, event.value).accepted
    assert event.key == "A000007"
    assert document["amount"] == "59.90" and document["quantity"] == 2 and document["channel"] == "mobile"
    assert document["transaction_ts"] == document["event_time"] == "2025-03-01T14:05:09.000000Z"


def test_replayed_event_ids_are_stable_per_transaction_id():
    first, again = replayed_transaction(CLEAN_ROW, 1), replayed_transaction(dict(CLEAN_ROW), 99)
    other = replayed_transaction({**CLEAN_ROW, "transaction_id": "T00000043"}, 1)
    assert first.event_id == again.event_id != other.event_id


@pytest.mark.parametrize("change", [{"amount": "-5.00"}, {"quantity": "0"}, {"quantity": "two"},
                                    {"transaction_ts": "not a time"}, {"channel": "fax"}, {"account_id": ""}])
def test_dirty_raw_rows_stay_dirty(change):
    assert check_event(TRANSACTION, replayed_transaction({**CLEAN_ROW, **change}, 1).value).reason == SCHEMA_VIOLATION


def test_replay_sends_every_raw_row_in_file_order_keyed_by_account(raw_settings):
    raw = _raw(raw_settings, "transactions")
    events = list(replay_transactions(raw_settings))
    assert [event.key for event in events] == list(raw["account_id"])
    assert [json.loads(event.value)["transaction_id"] for event in events] == list(raw["transaction_id"])


@pytest.fixture
def catalogue(local_settings, silver_references):
    silver_references(local_settings, accounts=("A000002", "A000001"), products=("P0002", "P0001"))
    return catalogue_from_silver(local_settings)


def test_the_catalogue_is_the_batchs_silver_accounts_and_products(catalogue):
    assert catalogue.accounts == ("A000001", "A000002")
    assert catalogue.products == (("P0001", Decimal("9.99")), ("P0002", Decimal("9.99")))


def test_without_silver_there_is_no_catalogue_and_the_error_says_what_to_run(local_settings):
    with pytest.raises(PlatformError, match=r"run the batch pipeline first \(`rtdp run`\)"):
        catalogue_from_silver(local_settings)


def test_synthetic_transactions_are_valid_and_priced_from_the_catalogue(catalogue):
    prices = dict(catalogue.products)
    events = [next(stream) for stream in [synthetic_transactions(catalogue, seed=5)] for _ in range(300)]
    for event in events:
        document = json.loads(event.value)
        assert check_event(TRANSACTION, event.value).accepted
        assert event.key == document["account_id"] in catalogue.accounts
        full_price = prices[document["product_id"]] * document["quantity"]
        discounts = {(full_price * (100 - percent) / 100).quantize(Decimal("0.01")) for percent in (0, 5, 10, 20)}
        assert Decimal(document["amount"]) in discounts
    assert len({event.event_id for event in events}) == len(events)


def test_synthetic_movements_are_valid_and_signed_by_reason(catalogue):
    stream = synthetic_inventory_movements(catalogue, seed=5)
    for _ in range(300):
        event = next(stream)
        document = json.loads(event.value)
        assert check_event(INVENTORY_MOVEMENT, event.value).accepted
        assert event.key == document["product_id"]
        if document["reason"] == "sale":
            assert document["quantity_delta"] < 0
        elif document["reason"] in ("return", "restock"):
            assert document["quantity_delta"] > 0
