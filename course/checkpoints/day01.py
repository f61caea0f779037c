"""Day 1: the machine is ready and `make demo` ran the whole platform on it."""

from __future__ import annotations

import re
import subprocess
import sys

from course.checkpoints import local_settings
from course.grading import Criterion, NotYet, Workspace
from jobs import storage
from jobs.config import Settings
from jobs.serve import publication
from jobs.serve.reports.definitions import load_reports
from jobs.serve.warehouse import connect


def _settings(workspace: Workspace) -> Settings:
    return local_settings(workspace.root)


def _python(_: Workspace) -> None:
    if sys.version_info[:2] != (3, 11):
        raise NotYet(f"this is Python {sys.version.split()[0]}; the platform's virtual environment needs 3.11")


def _java(_: Workspace) -> None:
    try:
        shown = subprocess.run(["java", "-version"], capture_output=True, text=True, check=True).stderr
    except (OSError, subprocess.CalledProcessError):
        raise NotYet("no `java` on PATH") from None
    found = re.search(r'version "(\d+)', shown)
    if not found or int(found.group(1)) < 17:
        raise NotYet(f"java says: {shown.splitlines()[0] if shown else 'nothing'}")


def _gold_published(workspace: Workspace) -> None:
    if publication.current(_settings(workspace)) is None:
        raise NotYet("no published gold in data/lake/gold of this checkout")


def _transaction_ids(settings: Settings, uri: str) -> set[str]:
    found = storage.parquet_dataset(settings, uri, partitioning="hive")
    return set(found.to_table(columns=["transaction_id"]).column(0).to_pylist()) if found else set()


def _warehouse_matches_gold(workspace: Workspace) -> None:
    settings = _settings(workspace)
    if not settings.warehouse_path.is_file():
        raise NotYet(f"no warehouse file at {settings.warehouse_path.relative_to(workspace.root)}")
    with connect(settings.warehouse_path, read_only=True) as connection:
        loaded = connection.execute("SELECT count(DISTINCT transaction_id) FROM fact_transaction").fetchone()[0]
    batch = _transaction_ids(settings, publication.table_uri(settings, "fact_transaction"))
    streamed = _transaction_ids(settings, storage.join(settings.layer_uri("gold"), "fact_transaction_stream"))
    if not batch or loaded != len(batch | streamed):
        raise NotYet(f"the warehouse holds {loaded:,} transactions; gold published {len(batch):,} and the live "
                     f"stream added {len(streamed - batch):,}")


def _reports_written(workspace: Workspace) -> None:
    settings = _settings(workspace)
    reports = [report.name for report in load_reports(workspace.root / "sql" / "reports")]
    missing = [name for name in reports if not (settings.reports_dir / f"{name}.csv").is_file()]
    if missing or not (settings.reports_dir / "report.html").is_file():
        raise NotYet(f"{len(missing)} of {len(reports)} report CSV files are missing, or report.html is")


CRITERIA = (
    Criterion("Python 3.11 runs the platform", "Before you start", _python),
    Criterion("Java 17 or newer is installed, for Spark and Kafka", "Before you start", _java),
    Criterion("`make demo` published gold in the local lake", "Step 2: run the platform", _gold_published),
    Criterion("the DuckDB warehouse holds every transaction of gold and of the live stream, once", "Step 3: look at what it made",
              _warehouse_matches_gold),
    Criterion("the ten reports were written, as CSV files and one HTML page", "Step 3: look at what it made",
              _reports_written),
)
