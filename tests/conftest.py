"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.config import Settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Every test carries at least one of these markers (pyproject.toml says what each means).
CATEGORIES = {"unit", "spark", "integration", "e2e"}
# Fixtures that start a JVM, a service or a Go tool, and the marker a test using them carries.
HEAVY_FIXTURES = {
    "spark": "spark",
    "local_stack": "integration",
    "isolated_stack": "integration",
    "toolchain": "integration",
    "airflow": "integration",
}


def pytest_collection_modifyitems(config, items):
    """Refuse a test without a category, and a unit test that is not hermetic: `make test-fast`
    must run without a JVM, Go tools or network, so every such test has to say what it needs."""
    problems = []
    for item in items:
        marks = {mark.name for mark in item.iter_markers()} & CATEGORIES
        if not marks:
            problems.append(f"{item.nodeid}: no marker of {sorted(CATEGORIES)}")
        if "unit" in marks and marks != {"unit"}:
            problems.append(f"{item.nodeid}: a unit test is hermetic, so it cannot also be {sorted(marks - {'unit'})}")
        for fixture, marker in HEAVY_FIXTURES.items():
            if fixture in item.fixturenames and marker not in marks:
                problems.append(f"{item.nodeid}: uses the {fixture} fixture, so it needs the {marker} marker")
    if problems:
        raise pytest.UsageError("tests with wrong markers:\n  " + "\n  ".join(problems))


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


@pytest.fixture(scope="session")
def emulator_environment():
    """The dummy emulator credentials for the whole run: no real key is ever sent anywhere."""
    from jobs.stack.constants import EMULATOR_CREDENTIALS

    with pytest.MonkeyPatch.context() as patch:
        for name, value in EMULATOR_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setenv("RTDP_HOME", str(PROJECT_ROOT))
        patch.delenv("RTDP_STATE_DIR", raising=False)
        yield


@pytest.fixture(scope="session")
def local_stack(emulator_environment) -> Settings:
    """Settings of the dev environment with its stack up and healthy; at the end, stops only
    what it started, so a stack brought up with `make up` survives the test run."""
    from jobs.stack import stack_down, stack_up

    settings = load_settings("dev")
    statuses = stack_up(settings)
    started_here = [status.name for status in statuses if status.state == "started"]
    _create_lake_buckets(settings)
    yield settings
    if started_here:
        stack_down(settings, only=started_here)


def _create_lake_buckets(settings: Settings) -> None:
    """The dev lake's buckets, bare. In the platform `make deploy ENV=dev` creates them with
    Terraform (tests/infra runs that for real); here they only have to exist."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=settings.aws.endpoint_url, region_name=settings.aws.region)
    existing = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    for uri in settings.storage.model_dump().values():
        bucket = uri.split("/")[2]
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
            existing.add(bucket)


@pytest.fixture
def topic_prefix(local_stack):
    """A prefix of fresh topic names on the shared broker; the topics are deleted afterwards."""
    import concurrent.futures
    import uuid

    from confluent_kafka.admin import AdminClient

    from jobs.streaming.topics import EVENT_TOPICS, dead_letter_topic, prefixed

    prefix = f"test-{uuid.uuid4().hex[:10]}."
    yield prefix
    names = [name for topic in EVENT_TOPICS for name in (prefixed(topic, prefix), dead_letter_topic(prefixed(topic, prefix)))]
    admin = AdminClient({"bootstrap.servers": local_stack.kafka.bootstrap_servers})
    # Topics a test never used do not exist: their futures fail, which is fine here.
    concurrent.futures.wait(list(admin.delete_topics(names, operation_timeout=30).values()), timeout=60)
