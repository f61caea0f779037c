"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from jobs.config import Settings, load_settings


@pytest.fixture
def local_settings(tmp_path, monkeypatch) -> Settings:
    """Settings of the local environment with every layer under a fresh temporary folder."""
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    return load_settings("local")


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run (starting one takes seconds)."""
    from jobs.spark import spark_session
    from jobs.stack.spark_jars import ensure_spark_jars

    # Jars join the class path only when the JVM starts: fetch them before the one session does.
    ensure_spark_jars(load_settings("dev"))
    settings = load_settings("local").model_copy(deep=True)
    settings.spark.driver_memory = "1g"
    settings.spark.shuffle_partitions = 2
    session = spark_session(settings)
    yield session
    session.stop()
