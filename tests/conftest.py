"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from jobs.config import Settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# An xdist worker's __main__ has no file, which PySpark's Connect import takes for its own doctest
# run and answers with sys.exit (pyspark/sql/connect/utils.py): give it the name it expects.
if os.environ.get("PYTEST_XDIST_WORKER") and not hasattr(sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = "pytest-xdist-worker"

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


# `make test` runs the suite on several workers (pytest-xdist, --dist loadgroup); a group runs
# on one worker, in file order. Each module is a group, so its module fixtures run once; these
# share more: one ML training for all ML tests, the dev buckets of the shared emulator.
SHARED_GROUPS = {
    "tests/ml": "ml",
    "tests/integration/test_dev_pipeline.py": "dev-lake",
    "tests/integration/test_spark_s3.py": "dev-lake",
}


def _group(item) -> str:
    path = item.path.relative_to(PROJECT_ROOT).as_posix()
    return next((group for prefix, group in SHARED_GROUPS.items() if path.startswith(prefix)), path)


def pytest_collection_modifyitems(config, items):
    """Refuse a test without a category, and a unit test that is not hermetic: `make test-fast`
    must run without a JVM, Go tools or network, so every such test has to say what it needs.
    Puts every test in its worker group."""
    problems = []
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
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


# The accounts and products the streaming tests' events name (tests/streaming/stream_io.py and
# the synthetic catalogues): what the stream's reference rules find in the batch's silver.
REFERENCE_ACCOUNTS = tuple(f"A{number:06d}" for number in range(50))
REFERENCE_PRODUCTS = tuple(f"P{number:04d}" for number in range(20))


def _write_silver_references(settings: Settings, accounts=REFERENCE_ACCOUNTS, products=REFERENCE_PRODUCTS) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobs import lake, storage

    tables = {"accounts": pa.table({"account_id": list(accounts)}),
              "products": pa.table({"product_id": list(products),
                                    "list_price": pa.array([Decimal("9.99")] * len(products), pa.decimal128(12, 2))})}
    for dataset, table in tables.items():
        uri = lake.dataset_uri(settings, "silver", dataset)
        filesystem, folder = storage.filesystem(settings, uri)
        filesystem.create_dir(folder, recursive=True)
        pq.write_table(table, f"{folder}/part-00000.parquet", filesystem=filesystem)
        storage.write_bytes(settings, storage.join(uri, "_SUCCESS"), b"")


@pytest.fixture
def silver_references():
    """write(settings, accounts=..., products=...): silver accounts and products as a batch run
    leaves them (a Parquet part and Spark's _SUCCESS marker), with only the columns the stream
    and its producer read."""
    return _write_silver_references


@pytest.fixture
def this_thread_only(monkeypatch):
    """setattr(target, name, fake): monkeypatch.setattr for the test's own thread. Functions such as
    time.sleep or subprocess.Popen are the whole process's, and other threads call them while the
    test runs (py4j's finalizer polls with time.sleep; the course walk starts its commands)."""
    mine = threading.current_thread()

    def setattr_(target, name: str, fake) -> None:
        real = getattr(target, name)
        monkeypatch.setattr(target, name, lambda *args, **kwargs: (
            fake if threading.current_thread() is mine else real)(*args, **kwargs))

    return setattr_


@pytest.fixture
def s3_endpoint(monkeypatch):
    """An in-process S3 API (moto) on a free loopback port, with dummy credentials: for fast
    tests of the storage code; the integration tests use the stack's emulator."""
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    yield endpoint
    # moto keeps its backends per process, not per server: empty them for the next test.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()
    server.stop()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run (starting one takes seconds)."""
    from jobs.operate.stack.spark_jars import ensure_spark_jars
    from jobs.spark import spark_session

    # Jars join the class path only when the JVM starts: fetch them before the one session does.
    ensure_spark_jars(load_settings("dev"))
    settings = load_settings("local").model_copy(deep=True)
    settings.spark.driver_memory = "1g"
    settings.spark.shuffle_partitions = 2
    session = spark_session(settings)
    yield session
    session.stop()


@contextlib.contextmanager
def _emulator_variables():
    """The dummy emulator credentials and this checkout as the home: no real key is ever sent anywhere."""
    from jobs.operate.stack.constants import EMULATOR_CREDENTIALS

    with pytest.MonkeyPatch.context() as patch:
        for name, value in EMULATOR_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setenv("RTDP_HOME", str(PROJECT_ROOT))
        patch.delenv("RTDP_STATE_DIR", raising=False)
        yield


@pytest.fixture(scope="session")
def emulator_environment():
    """The emulator's variables for the whole run."""
    with _emulator_variables():
        yield


def pytest_configure(config):
    # One id for the whole run, inherited by the xdist workers this process starts.
    if not hasattr(config, "workerinput"):
        os.environ.setdefault("RTDP_TEST_RUN", uuid.uuid4().hex)


def _started_by_this_run(settings: Settings) -> Path:
    from jobs.operate.stack.paths import stack_paths

    return stack_paths(settings).state / f"started-by-test-run-{os.environ['RTDP_TEST_RUN']}.json"


@pytest.fixture(scope="session")
def local_stack(emulator_environment) -> Settings:
    """Settings of the dev environment with its stack up and healthy, shared by every worker of
    the run. Nothing stops it while a test may still use it: what this run started is written
    down and stopped once, when the whole run ends (pytest_sessionfinish), so a stack brought
    up with `make up` survives the test run."""
    from jobs.operate.stack import stack_up

    settings = load_settings("dev")
    started = [status.name for status in stack_up(settings) if status.state == "started"]
    if started:
        _started_by_this_run(settings).write_text(json.dumps(started))
    _create_lake_buckets(settings)
    return settings


def pytest_sessionfinish(session):
    """In the process that runs (or started the workers of) the whole run: stop what it started."""
    if hasattr(session.config, "workerinput"):
        return
    from jobs.operate.stack import stack_down

    with _emulator_variables():
        settings = load_settings("dev")
        record = _started_by_this_run(settings)
        stopped = json.loads(record.read_text()) if record.is_file() else []
        if "aws" not in stopped:  # the emulator outlives the run: take away what the run made there
            _remove_lake_buckets(settings)
        _buckets_made_by_this_run(settings).unlink(missing_ok=True)
        if stopped:
            stack_down(settings, only=stopped)
            record.unlink()


def _buckets_made_by_this_run(settings: Settings) -> Path:
    from jobs.operate.stack.paths import stack_paths

    return stack_paths(settings).state / f"buckets-made-by-test-run-{os.environ['RTDP_TEST_RUN']}.txt"


def _create_lake_buckets(settings: Settings) -> None:
    """The dev lake's buckets, bare. In the platform `make deploy ENV=dev` creates them with
    Terraform (tests/infra runs that for real); here they only have to exist. Each one made is
    written down and removed when the run ends: on a stack that outlives the run, a bucket left
    behind would stop the next `make deploy ENV=dev` (BucketAlreadyExists)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=settings.aws.endpoint_url, region_name=settings.aws.region)
    existing = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    for uri in settings.storage.model_dump().values():
        bucket = uri.split("/")[2]
        if bucket not in existing:
            try:
                s3.create_bucket(Bucket=bucket)
                with open(_buckets_made_by_this_run(settings), "a") as record:
                    record.write(bucket + "\n")
            except s3.exceptions.BucketAlreadyOwnedByYou:
                pass  # another worker of the run made it first
            existing.add(bucket)


def _remove_lake_buckets(settings: Settings) -> None:
    """Empty and delete the buckets this run made."""
    import boto3

    record = _buckets_made_by_this_run(settings)
    if not record.is_file():
        return
    s3 = boto3.resource("s3", endpoint_url=settings.aws.endpoint_url, region_name=settings.aws.region)
    for name in sorted(set(record.read_text().split())):
        bucket = s3.Bucket(name)
        bucket.object_versions.delete()
        bucket.delete()


@contextlib.contextmanager
def _fresh_topic_prefix(settings: Settings):
    """A prefix of fresh topic names on the shared broker; the topics are deleted afterwards."""
    import concurrent.futures

    from confluent_kafka.admin import AdminClient

    from jobs.stream.topics import EVENT_TOPICS, dead_letter_topic, prefixed

    prefix = f"test-{uuid.uuid4().hex[:10]}."
    yield prefix
    names = [name for topic in EVENT_TOPICS for name in (prefixed(topic, prefix), dead_letter_topic(prefixed(topic, prefix)))]
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    # Topics a test never used do not exist: their futures fail, which is fine here.
    concurrent.futures.wait(list(admin.delete_topics(names, operation_timeout=30).values()), timeout=60)


@pytest.fixture
def topic_prefix(local_stack):
    """Fresh topics for one test."""
    with _fresh_topic_prefix(local_stack) as prefix:
        yield prefix


@pytest.fixture(scope="module")
def module_topic_prefix(local_stack):
    """Fresh topics for the tests of one module."""
    with _fresh_topic_prefix(local_stack) as prefix:
        yield prefix
