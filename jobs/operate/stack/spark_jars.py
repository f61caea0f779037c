"""The S3A jars Spark needs for s3:// layers (hadoop-aws and the AWS SDK bundle it names).

Fetched by `make up` (stack_up) from infra/local/spark-jars/pom.xml into `.cache/spark-jars`.
"""

from __future__ import annotations

from pathlib import Path

from jobs.config import Settings
from jobs.operate.stack.jars import fetch_jars, jars_ready
from jobs.operate.stack.paths import StackPaths, stack_paths


def _pom(paths: StackPaths) -> Path:
    return paths.recipes / "spark-jars" / "pom.xml"


def spark_jars_dir(paths: StackPaths) -> Path:
    return paths.cache / "spark-jars"


def uses_s3(settings: Settings) -> bool:
    """True if any storage layer of `settings` is an s3:// URI."""
    return any(uri.startswith("s3://") for uri in settings.storage.model_dump().values())


def ensure_spark_jars(settings: Settings) -> bool:
    """Download the S3A jars unless cached; True if a download ran."""
    paths = stack_paths(settings)
    return fetch_jars(_pom(paths), spark_jars_dir(paths))


def cached_spark_jars(settings: Settings) -> list[Path]:
    """The cached S3A jars (sorted), or an empty list when they were never fetched."""
    paths = stack_paths(settings)
    folder = spark_jars_dir(paths)
    if not jars_ready(_pom(paths), folder):
        return []
    return sorted(folder.glob("*.jar"))
