"""Incremental loads against a full rebuild: a lake that received the generated extracts day by
day ends with the same gold, keys included, as a lake built once from all of them."""

from __future__ import annotations

import csv
import itertools
import shutil
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs.config import load_settings
from jobs.generator import generate_raw
from jobs.ingest import landing
from jobs.ingest.raw_contract import RAW_COLUMNS
from jobs.model.tables import STAR_SCHEMA, tables
from jobs.pipeline import run_pipeline
from jobs.serve import publication

pytestmark = pytest.mark.spark
# A fixed world: the same data on any day (the default, today, has tests of its own).
NOW = date(2026, 7, 1)


def _settings(home: Path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RTDP_HOME", str(home))
        return load_settings("local")


def _deliver(source, target, days) -> int:
    """Copy the extracts of `days` from one landing zone to another; return the rows delivered."""
    rows = 0
    for dataset in RAW_COLUMNS:
        for extract in landing.extracts(source, dataset):
            if extract.day in days:
                destination = Path(landing.extract_uri(target, dataset, extract.day))
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(extract.uri, destination)
                rows += len(destination.read_text().splitlines()) - 1
    return rows


def _gold(settings) -> dict[str, list[tuple]]:
    locate = publication.locator(settings)
    return {table: sorted(tuple(row.values()) for row in pq.read_table(locate(table)).to_pylist())
            for table in tables(STAR_SCHEMA)}


def test_gold_after_daily_change_files_equals_gold_rebuilt_from_every_extract(spark, tmp_path):
    source = _settings(tmp_path / "source")
    generate_raw(source, transactions=2_000, seed=3, now=NOW)
    days = [extract.day for extract in landing.extracts(source, "transactions")]
    assert len(days) == 15
    # The generated fortnight has stock snapshots every day, new transactions most days, but few customer
    # changes: the second day's change file also brings a customer who moved and a new
    # customer whose id sorts first, so the customer keys of both lakes are put to the test.
    with open(landing.extract_uri(source, "customers", days[0]), newline="") as full:
        header, first = list(itertools.islice(csv.reader(full), 2))
    with open(landing.extract_uri(source, "customers", days[1]), "w", newline="") as change:
        csv.writer(change, lineterminator="\n").writerows([
            header,
            [*first[:3], "Tromsø, Norway", first[4], f"{days[1]}T10:00:00"],
            ["C000000", "Al Ames", "al.ames@example.com", "Turku, Finland", "Individual", f"{days[1]}T11:00:00"],
        ])

    rebuilt = _settings(tmp_path / "rebuilt")
    _deliver(source, rebuilt, set(days))
    run_pipeline(rebuilt, run_id="rebuild")

    daily = _settings(tmp_path / "daily")
    for run, delivery in enumerate([days[:1], days[1:2], days[2:]]):
        delivered = _deliver(source, daily, set(delivery))
        assert delivered > 0
        run_pipeline(daily, run_id=f"day-{run}")

    gold = _gold(daily)
    assert gold == _gold(rebuilt)
    keys = {(row[1], row[4]): row[0] for row in gold["dim_customer"]}  # (customer_id, location) -> key
    # Keys are handed out in load order: the day-2 versions come after every version of the full extract.
    with open(landing.extract_uri(source, "customers", days[0]), newline="") as full:
        in_full = {(row[0], row[3]) for row in itertools.islice(csv.reader(full), 1, None)}
    assert keys[("C000000", "Turku, Finland")] == keys[(first[0], "Tromsø, Norway")] - 1
    assert keys[("C000000", "Turku, Finland")] > max(key for version, key in keys.items() if version in in_full)
    # The last runs read only the change files: bronze keeps one folder per extract ever delivered
    # that had rows (at this scale a quiet day brings a header alone).
    bronze = Path(daily.layer_uri("bronze")) / "transactions"
    with_rows = [day for day in days if len(Path(landing.extract_uri(source, "transactions", day)).read_text().splitlines()) > 1]
    assert len(with_rows) > len(days) / 2
    assert sorted(path.name for path in bronze.iterdir() if path.is_dir()) == [
        f"extract_name=transactions_{day.isoformat()}" for day in with_rows]
