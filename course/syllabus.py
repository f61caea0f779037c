"""The thirty days of the course, in the order of the project's roadmap."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course import ROOT

LESSONS = ROOT / "course" / "lessons"
SOLUTIONS = ROOT / "course" / "solutions"


@dataclass(frozen=True)
class Day:
    number: int
    title: str
    theme: str

    @property
    def slug(self) -> str:
        return f"day-{self.number:02d}"

    @property
    def lesson(self) -> Path:
        return LESSONS / f"{self.slug}.md"

    @property
    def solution(self) -> Path:
        return SOLUTIONS / f"{self.slug}.patch"

    @property
    def written(self) -> bool:
        """Whether the lesson exists yet (the course is still being written)."""
        return self.lesson.is_file()


_SETUP, _MODEL, _LAKE, _STREAM = "set-up", "the data model", "the medallion lake", "real-time ingestion"
_OPS, _ML, _SERVE, _TRUST, _CAPSTONE = "orchestration and delivery", "machine learning", "dashboards and reports", \
    "quality, lineage, catalog", "capstone"

DAYS = tuple(Day(number, title, theme) for number, (title, theme) in enumerate([
    ("Set up, run the platform, find your way around", _SETUP),
    ("The star schema: facts, dimensions and their grain", _MODEL),
    ("The bridge table: accounts held jointly", _MODEL),
    ("Slowly changing dimensions: customer history as SCD2", _MODEL),
    ("Test data with Faker: a new column from the source to gold", _MODEL),
    ("The lake on S3: buckets made by Terraform on the local emulator", _LAKE),
    ("Raw and bronze: extracts as delivered, each ingested once", _LAKE),
    ("Silver: types, rules and the quarantine", _LAKE),
    ("Gold: the star schema built with Spark, published atomically", _LAKE),
    ("DuckDB: the analytical warehouse over gold", _LAKE),
    ("Kafka: topics, keys and the idempotent producer", _STREAM),
    ("Spark Structured Streaming: from a topic to silver", _STREAM),
    ("Dead letters: bad events and their reasons", _STREAM),
    ("Exactly once: kill the stream, lose nothing, double nothing", _STREAM),
    ("Batch and stream together: SQL over live data", _STREAM),
    ("Airflow: the daily batch as a DAG", _OPS),
    ("Airflow: supervising the stream", _OPS),
    ("Terraform modules and environments", _OPS),
    ("CI with GitHub Actions: one wheel from pull request to prod", _OPS),
    ("Deploy to dev, promote to prod", _OPS),
    ("Demand forecasting with Prophet", _ML),
    ("Customer segments with K-Means", _ML),
    ("Churn and anomalies", _ML),
    ("Cross-sell recommendations", _ML),
    ("Ten reports in SQL", _SERVE),
    ("The live dashboard", _SERVE),
    ("Data quality gates with Great Expectations", _TRUST),
    ("Lineage with OpenLineage", _TRUST),
    ("The data catalog", _TRUST),
    ("Capstone: your own data product, end to end", _CAPSTONE),
], start=1))


def day(number: int) -> Day:
    """Day `number` (1-30)."""
    if not 1 <= number <= len(DAYS):
        from jobs.errors import PlatformError

        raise PlatformError(f"there is no day {number}: the course has days 1 to {len(DAYS)}")
    return DAYS[number - 1]
