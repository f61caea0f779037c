"""Releases in the artifacts bucket: immutable versions, DAGs in sync, the deployed version recorded.

Runs on moto's in-process S3; tests/infra/test_deploy.py does the same against the emulator
after a real `tofu apply`.
"""

import hashlib
import json
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from jobs.errors import PlatformError
from jobs.operate.deploy.release import (
    deployed_release,
    fetch_release,
    publish_dags,
    read_wheel,
    record_deployment,
    upload_release,
)

pytestmark = pytest.mark.unit

BUCKET, DAG_BUCKET = "rtdp-dev-artifacts", "rtdp-dev-airflow"


def _wheel(folder: Path, version: str, files: dict[str, str]) -> Path:
    path = folder / version / f"rtdp-{version}-py3-none-any.whl"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("jobs/__init__.py", "")
        for name, content in files.items():
            archive.writestr(name, content)
    return path


FILES = {"jobs/sql/ddl/star.sql": "create table t (x int);", "jobs/dags/daily.py": "# daily",
         "jobs/dags/platform_common.py": "# common", "jobs/dags/__pycache__/daily.cpython-311.pyc": "x"}


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.create_bucket(Bucket=DAG_BUCKET)
        yield client


def _keys(s3, bucket: str, prefix: str = "") -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])}


def test_a_release_holds_the_wheel_and_its_sql_and_dags_and_a_manifest(s3, tmp_path):
    wheel = read_wheel(_wheel(tmp_path, "1.2.0", FILES))
    assert upload_release(s3, BUCKET, wheel) is True
    assert _keys(s3, BUCKET) == {"releases/1.2.0/rtdp-1.2.0-py3-none-any.whl", "releases/1.2.0/sql/ddl/star.sql",
                                 "releases/1.2.0/dags/daily.py", "releases/1.2.0/dags/platform_common.py",
                                 "releases/1.2.0/manifest.json"}
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="releases/1.2.0/manifest.json")["Body"].read())
    assert manifest["sha256"] == hashlib.sha256(wheel.path.read_bytes()).hexdigest()
    assert s3.get_object(Bucket=BUCKET, Key="releases/1.2.0/sql/ddl/star.sql")["Body"].read() == FILES["jobs/sql/ddl/star.sql"].encode()


def test_a_version_is_immutable_the_same_wheel_again_is_a_no_op(s3, tmp_path):
    first = read_wheel(_wheel(tmp_path / "a", "1.2.0", FILES))
    upload_release(s3, BUCKET, first)
    assert upload_release(s3, BUCKET, first) is False
    changed = read_wheel(_wheel(tmp_path / "b", "1.2.0", {**FILES, "jobs/sql/new.sql": "select 1;"}))
    with pytest.raises(PlatformError, match="release 1.2.0 already exists.*bump the version"):
        upload_release(s3, BUCKET, changed)
    assert upload_release(s3, BUCKET, changed, replace=True) is True
    assert "releases/1.2.0/sql/new.sql" in _keys(s3, BUCKET)


def test_published_dags_follow_the_release_and_dropped_dags_disappear(s3, tmp_path):
    old = read_wheel(_wheel(tmp_path, "1.0.0", {**FILES, "jobs/dags/retired.py": "# old"}))
    assert publish_dags(s3, DAG_BUCKET, old) == ["dags/daily.py", "dags/platform_common.py", "dags/retired.py"]
    new = read_wheel(_wheel(tmp_path, "1.1.0", FILES))
    publish_dags(s3, DAG_BUCKET, new)
    assert _keys(s3, DAG_BUCKET) == {"dags/daily.py", "dags/platform_common.py"}


def test_the_deployment_record_names_the_version_the_one_before_and_the_job_roles(s3, tmp_path):
    with pytest.raises(PlatformError, match="nothing is deployed to dev"):
        deployed_release(s3, BUCKET, "dev")
    roles = {"ingest": "arn:aws:iam::123456789012:role/rtdp-dev-ingest"}
    record_deployment(s3, BUCKET, "dev", read_wheel(_wheel(tmp_path, "1.0.0", FILES)), {})
    record_deployment(s3, BUCKET, "dev", read_wheel(_wheel(tmp_path, "1.1.0", FILES)), roles)
    record = deployed_release(s3, BUCKET, "dev")
    assert (record["version"], record["previous_version"], record["job_roles"]) == ("1.1.0", "1.0.0", roles)


def test_fetching_a_release_returns_the_identical_wheel(s3, tmp_path):
    wheel = read_wheel(_wheel(tmp_path, "2.0.0", FILES))
    upload_release(s3, BUCKET, wheel)
    fetched = fetch_release(s3, BUCKET, "2.0.0", tmp_path / "download")
    assert fetched.path.read_bytes() == wheel.path.read_bytes()
    with pytest.raises(PlatformError, match="release 9.9.9 not found"):
        fetch_release(s3, BUCKET, "9.9.9", tmp_path / "download")


def test_a_tampered_download_is_refused(s3, tmp_path):
    wheel = read_wheel(_wheel(tmp_path, "2.0.0", FILES))
    upload_release(s3, BUCKET, wheel)
    tampered = _wheel(tmp_path / "evil", "2.0.0", {**FILES, "jobs/dags/daily.py": "# changed"})
    s3.upload_file(str(tampered), BUCKET, "releases/2.0.0/rtdp-2.0.0-py3-none-any.whl")
    with pytest.raises(PlatformError, match="does not match its manifest"):
        fetch_release(s3, BUCKET, "2.0.0", tmp_path / "download")


def test_files_that_are_not_wheels_of_the_jobs_are_refused(tmp_path):
    with pytest.raises(PlatformError, match="not a wheel file name"):
        read_wheel(_wheel(tmp_path, "x", FILES).rename(tmp_path / "notes.zip"))
    with pytest.raises(PlatformError, match="carries no SQL"):
        read_wheel(_wheel(tmp_path, "3.0.0", {"jobs/dags/daily.py": "#"}))
