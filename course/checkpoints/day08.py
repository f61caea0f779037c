"""Day 8: a silver rule of your own, configurable: transactions above a maximum amount go to
quarantine with the reason amount_above_limit.

The check generates a small world into a scratch home, runs the checkout's bronze and silver
steps on it (in this process, on one Spark session) under limits it picks from the data, and
compares silver and quarantine with what it computes from the raw files itself.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from course.checkpoints import WORLD_NOW, environment_variable, jvm_output_to, local_settings
from course.grading import Criterion, NotYet, Workspace
from jobs import lake, storage
from jobs.config import Settings
from jobs.ingest import landing

SCALE, SEED = 1_000, 8
REASON = "amount_above_limit"
LIMIT_VARIABLE = "RTDP_RULES__MAX_TRANSACTION_AMOUNT"


def _settings(workspace: Workspace) -> Settings:
    return local_settings(workspace.scratch)


def _clean_amounts(settings: Settings) -> dict[str, Decimal]:
    """Amount of each transaction the generator wrote without a planted defect."""
    truth = Path(settings.resolve(settings.storage.truth_uri)) / "dirty_rows.csv"
    with truth.open(newline="") as handle:
        planted = {row["row_key"] for row in csv.DictReader(handle) if row["dataset"] == "transactions"}
    amounts = {}
    for extract in landing.extracts(settings, "transactions"):
        with Path(extract.uri).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["transaction_id"] not in planted:
                    amounts[row["transaction_id"]] = Decimal(row["amount"])
    return amounts


def _limit_at(amounts: dict[str, Decimal], share: float) -> Decimal:
    """An amount of the data itself, with about `share` of the transactions above it."""
    ordered = sorted(amounts.values())
    return ordered[int(len(ordered) * (1 - share))]


def _silver_with_limit(workspace: Workspace, limit: Decimal | None) -> tuple[set[str], dict[str, str]]:
    """Run the checkout's silver step under `limit` (None: no limit set); the ids of silver
    transactions and the reason of each quarantined transaction."""
    from jobs.pipeline import run_pipeline

    with environment_variable(LIMIT_VARIABLE, None if limit is None else str(limit)):
        settings = _settings(workspace)
        steps = ("silver",) if storage.exists(settings, lake.dataset_uri(settings, "bronze", "transactions")) else (
            "bronze", "silver")
        with jvm_output_to(workspace.scratch / "spark.log"):
            run_pipeline(settings, steps=steps, run_id=f"day08-{limit}")
    silver = storage.parquet_dataset(settings, lake.dataset_uri(settings, "silver", "transactions"))
    quarantine = storage.parquet_dataset(settings, lake.dataset_uri(settings, "quarantine", "transactions"))
    ids = set(silver.to_table(columns=["transaction_id"]).column(0).to_pylist())
    rejected = quarantine.to_table(columns=["reason", "record"]).to_pylist()
    return ids, {_transaction_id(row["record"]): row["reason"] for row in rejected}


def _transaction_id(record: str) -> str:
    try:
        return json.loads(record).get("transaction_id") or ""
    except (json.JSONDecodeError, AttributeError):
        return ""


def _judge_limit(workspace: Workspace, share: float) -> None:
    amounts = _clean_amounts(_settings(workspace))
    limit = _limit_at(amounts, share)
    silver, reasons = _silver_with_limit(workspace, limit)
    above = {tx for tx, amount in amounts.items() if amount > limit}
    missed = sorted(tx for tx in above if reasons.get(tx) != REASON)
    if missed:
        said = reasons.get(missed[0], "kept in silver" if missed[0] in silver else "nowhere")
        raise NotYet(f"with a limit of {limit}, {len(missed)} of the {len(above)} clean transactions above it are not "
                     f"quarantined as {REASON} (e.g. {missed[0]} of {amounts[missed[0]]}: {said})")
    wrong = sorted(tx for tx, reason in reasons.items() if reason == REASON and tx in amounts and tx not in above)
    if wrong:
        raise NotYet(f"with a limit of {limit}, {len(wrong)} transactions at or below it were quarantined as {REASON} "
                     f"(e.g. {wrong[0]} of {amounts[wrong[0]]})")
    at_limit = [tx for tx, amount in amounts.items() if amount == limit]
    if not all(tx in silver for tx in at_limit):
        raise NotYet(f"a transaction of exactly {limit} did not reach silver: the limit itself is allowed")


def _reason_is_catalogued(_: Workspace) -> None:
    from jobs.model.reasons import CATALOGUE

    reason = CATALOGUE.get(REASON)
    if reason is None:
        raise NotYet(f"jobs/model/reasons.py defines no reason {REASON}")
    if reason.path not in ("batch", "both") or not reason.meaning:
        raise NotYet(f"{REASON} is catalogued for the {reason.path} path with the meaning '{reason.meaning}'")


def _quarantines_above_the_limit(workspace: Workspace) -> None:
    from jobs.generator import generate_raw

    generate_raw(_settings(workspace), SCALE, SEED, WORLD_NOW)
    _judge_limit(workspace, share=0.1)


def _limit_comes_from_the_settings(workspace: Workspace) -> None:
    _judge_limit(workspace, share=0.3)


def _no_limit_no_rule(workspace: Workspace) -> None:
    amounts = _clean_amounts(_settings(workspace))
    silver, reasons = _silver_with_limit(workspace, None)
    flagged = [tx for tx, reason in reasons.items() if reason == REASON]
    if flagged:
        raise NotYet(f"with no limit set, {len(flagged)} transactions were quarantined as {REASON}")
    lost = set(amounts) - silver
    if lost:
        raise NotYet(f"with no limit set, {len(lost)} clean transactions did not reach silver (e.g. {min(lost)})")


def _invalid_limit_is_one_line(workspace: Workspace) -> None:
    from jobs.config import load_settings
    from jobs.errors import PlatformError

    with environment_variable(LIMIT_VARIABLE, "a lot"):
        try:
            load_settings("local")
        except PlatformError as refused:
            if "max_transaction_amount" not in str(refused):
                raise NotYet(f"a limit of 'a lot' was refused without naming the setting: {refused}") from None
            return
        except Exception as error:  # noqa: BLE001 - any other failure is what the criterion is about
            raise NotYet(f"a limit of 'a lot' failed with {type(error).__name__}, not a one-line settings error") from None
    raise NotYet("a limit of 'a lot' was accepted")


CRITERIA = (
    Criterion(f"{REASON} is a rejection reason of the batch path, with its meaning", "Step 3: a reason of its own",
              _reason_is_catalogued),
    Criterion("with a limit set, every clean transaction above it is quarantined as amount_above_limit, and one of "
              "exactly the limit reaches silver", "Step 4: the rule", _quarantines_above_the_limit),
    Criterion("the limit is read from the settings: another limit quarantines other transactions",
              "Step 2: a setting", _limit_comes_from_the_settings),
    Criterion("without a limit, silver is as before", "Step 2: a setting", _no_limit_no_rule),
    Criterion("a limit that is not a number is refused with one line naming the setting", "Step 2: a setting",
              _invalid_limit_is_one_line),
)
