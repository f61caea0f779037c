"""Releases of the jobs in an environment's artifacts bucket, and which one is deployed.

A release is one wheel. Its SQL and DAG files are taken out of that wheel (which ships them as
`jobs/sql/` and `jobs/dags/`), so what runs in an environment is exactly what was built once
and promoted, never a second build:

    s3://<artifacts>/releases/<version>/<wheel file>
    s3://<artifacts>/releases/<version>/sql/...        s3://<artifacts>/releases/<version>/dags/...
    s3://<artifacts>/releases/<version>/manifest.json  (version, wheel, sha256, files)
    s3://<artifacts>/deployments/<env>.json            (the version deployed, when, previous one, job roles)
    s3://<airflow bucket>/dags/...                     (the deployed DAGs, what Airflow reads)
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import ClientError
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from jobs.errors import PlatformError

RELEASE_PREFIX = "releases/"
# Folders of the wheel that are published next to it, and their names in the release.
_PUBLISHED = {"jobs/sql/": "sql/", "jobs/dags/": "dags/"}


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: str
    sha256: str

    def published_files(self) -> dict[str, bytes]:
        """Release key (sql/..., dags/...) -> content, read from the wheel."""
        files: dict[str, bytes] = {}
        with zipfile.ZipFile(self.path) as archive:
            for member in archive.namelist():
                for inside, published in _PUBLISHED.items():
                    if member.startswith(inside) and not member.endswith("/") and "__pycache__" not in member:
                        files[published + member.removeprefix(inside)] = archive.read(member)
        return files


def read_wheel(path: Path) -> Wheel:
    """The wheel at `path`, named and hashed; PlatformError if it is not a wheel of the jobs."""
    if not path.is_file():
        raise PlatformError(f"wheel {path} not found: build it with `make wheel`")
    try:
        name, version, _, _ = parse_wheel_filename(path.name)
    except InvalidWheelFilename as error:
        raise PlatformError(f"{path.name} is not a wheel file name: {error}") from None
    wheel = Wheel(path, str(name), str(version), hashlib.sha256(path.read_bytes()).hexdigest())
    if not any(key.startswith("sql/") for key in wheel.published_files()):
        raise PlatformError(f"{path.name} carries no SQL files: it is not a wheel of the platform's jobs")
    return wheel


def _read_json(s3, bucket: str, key: str) -> dict | None:
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise


def _put_json(s3, bucket: str, key: str, document: dict) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(document, indent=2).encode(), ContentType="application/json")


def release_prefix(version: str) -> str:
    return f"{RELEASE_PREFIX}{version}/"


def upload_release(s3, bucket: str, wheel: Wheel, *, replace: bool = False) -> bool:
    """Upload `wheel` and its SQL and DAGs under releases/<version>/; False if already there.

    A version is immutable: a different wheel under a released version is refused unless
    `replace` (meant for dev, where the bucket's versioning keeps the older upload).
    """
    prefix = release_prefix(wheel.version)
    existing = _read_json(s3, bucket, prefix + "manifest.json")
    if existing is not None and existing["sha256"] == wheel.sha256:
        return False
    if existing is not None and not replace:
        raise PlatformError(
            f"release {wheel.version} already exists in s3://{bucket}/{prefix} with another wheel: "
            "bump the version in pyproject.toml (in dev, REPLACE=1 overwrites it)")
    files = wheel.published_files()
    s3.upload_file(str(wheel.path), bucket, prefix + wheel.path.name)
    for key, content in files.items():
        s3.put_object(Bucket=bucket, Key=prefix + key, Body=content)
    _put_json(s3, bucket, prefix + "manifest.json", {
        "name": wheel.name, "version": wheel.version, "wheel": wheel.path.name, "sha256": wheel.sha256,
        "files": sorted(files), "uploaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    return True


def publish_dags(s3, bucket: str, wheel: Wheel) -> list[str]:
    """Make the wheel's DAGs the ones under dags/ of the Airflow bucket; DAGs it dropped go away."""
    dags = {key: content for key, content in wheel.published_files().items() if key.startswith("dags/")}
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="dags/").get("Contents", [])
    for stale in {item["Key"] for item in listed} - set(dags):
        s3.delete_object(Bucket=bucket, Key=stale)
    for key, content in dags.items():
        s3.put_object(Bucket=bucket, Key=key, Body=content)
    return sorted(dags)


def deployment_key(environment: str) -> str:
    return f"deployments/{environment}.json"


def record_deployment(s3, bucket: str, environment: str, wheel: Wheel, job_roles: dict[str, str]) -> dict:
    """Write which release `environment` now runs (keeping the one before it) and the role of each
    job family it runs under; the record."""
    previous = _read_json(s3, bucket, deployment_key(environment))
    record = {
        "environment": environment, "version": wheel.version, "wheel": wheel.path.name, "sha256": wheel.sha256,
        "release": f"s3://{bucket}/{release_prefix(wheel.version)}",
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_version": previous["version"] if previous else None,
        "job_roles": job_roles,
    }
    _put_json(s3, bucket, deployment_key(environment), record)
    return record


def deployed_release(s3, bucket: str, environment: str) -> dict:
    """The deployment record of `environment`; PlatformError if nothing was deployed yet."""
    record = _read_json(s3, bucket, deployment_key(environment))
    if record is None:
        raise PlatformError(f"nothing is deployed to {environment} yet (no s3://{bucket}/{deployment_key(environment)})")
    return record


def fetch_release(s3, bucket: str, version: str, destination: Path) -> Wheel:
    """Download the wheel of release `version` into `destination`, checked against its manifest."""
    manifest = _read_json(s3, bucket, release_prefix(version) + "manifest.json")
    if manifest is None:
        raise PlatformError(f"release {version} not found in s3://{bucket}/{RELEASE_PREFIX}")
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / manifest["wheel"]
    s3.download_file(bucket, release_prefix(version) + manifest["wheel"], str(target))
    wheel = read_wheel(target)
    if wheel.sha256 != manifest["sha256"]:
        target.unlink()
        raise PlatformError(f"the downloaded wheel of release {version} does not match its manifest (sha256 differs)")
    return wheel
