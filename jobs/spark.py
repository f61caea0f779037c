"""The Spark session every batch job uses: local mode, explicit memory, UTC, quiet logs."""

from __future__ import annotations

from pyspark.sql import SparkSession

from jobs.config import Settings


def spark_session(settings: Settings) -> SparkSession:
    """Start (or reuse) the local Spark session configured for `settings`."""
    builder = (
        SparkSession.builder.appName(f"rtdp-{settings.env}")
        .master(settings.spark.master)
        .config("spark.driver.memory", settings.spark.driver_memory)
        .config("spark.sql.shuffle.partitions", str(settings.spark.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
        # Rewrites replace only the partitions a run produces.
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
