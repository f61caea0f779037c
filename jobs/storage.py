"""One storage code path for local folders and S3 buckets, through pyarrow.fs.

A layer location is either a local path or an `s3://bucket/prefix` URI; the emulator endpoint
(if any) comes from the settings, credentials from the standard AWS environment variables.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

from pyarrow import dataset as pa_dataset
from pyarrow import fs

from jobs.config import Settings
from jobs.errors import PlatformError

_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def filesystem(settings: Settings, uri: str) -> tuple[fs.FileSystem, str]:
    """The filesystem that holds `uri`, and the path of `uri` inside it."""
    if is_s3(uri):
        parsed = urlparse(uri)
        endpoint = settings.aws.endpoint_url
        s3 = fs.S3FileSystem(
            region=settings.aws.region,
            endpoint_override=urlparse(endpoint).netloc if endpoint else None,
            scheme=urlparse(endpoint).scheme if endpoint else "https",
            access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
            session_token=os.environ.get("AWS_SESSION_TOKEN"),
        )
        return s3, f"{parsed.netloc}{parsed.path}".rstrip("/")
    return fs.LocalFileSystem(), uri.rstrip("/")


def require_buckets(settings: Settings) -> None:
    """PlatformError naming the first s3:// layer bucket that does not exist: the environment's
    infrastructure (Terraform) creates the buckets, the jobs never do."""
    for layer, uri in settings.storage.model_dump().items():
        if is_s3(uri):
            filesystem_, path = filesystem(settings, uri)
            bucket = path.split("/", 1)[0]
            try:
                missing = filesystem_.get_file_info(bucket).type == fs.FileType.NotFound
            except OSError as error:
                raise PlatformError(f"cannot reach the bucket {bucket} of {layer.removesuffix('_uri')}: {error}") from None
            if missing:
                raise PlatformError(f"bucket {bucket} does not exist: deploy the {settings.env} infrastructure first "
                                    f"(`make deploy ENV={settings.env}`)")


def join(uri: str, *parts: str) -> str:
    return "/".join([uri.rstrip("/"), *parts])


def file_safe(text: str) -> str:
    """`text` usable as a file or folder name anywhere (local, S3, Hadoop paths): a scheduler's
    run id such as `scheduled__2026-11-20T02:00:00+00:00` has characters that are not."""
    return _UNSAFE_IN_FILE_NAME.sub("_", text)


def exists(settings: Settings, uri: str) -> bool:
    filesystem_, path = filesystem(settings, uri)
    return filesystem_.get_file_info(path).type != fs.FileType.NotFound


def parquet_dataset(settings: Settings, uri: str, partitioning: str | None = None) -> pa_dataset.Dataset | None:
    """The Parquet dataset (a file or a folder of part files) at `uri`; None when nothing is there.
    `partitioning="hive"` reads `key=value` subfolders as columns."""
    if not exists(settings, uri):
        return None
    filesystem_, path = filesystem(settings, uri)
    return pa_dataset.dataset(path, filesystem=filesystem_, format="parquet", partitioning=partitioning)


def parquet_files(settings: Settings, folder_uri: str) -> list[str]:
    """Parquet part files directly inside a folder (local or s3://); [] if the folder is absent."""
    filesystem_, path = filesystem(settings, folder_uri)
    if filesystem_.get_file_info(path).type != fs.FileType.Directory:
        return []
    listing = filesystem_.get_file_info(fs.FileSelector(path, allow_not_found=True))
    return [info.path for info in listing if info.type == fs.FileType.File and info.path.endswith(".parquet")]


def file_uris(uri: str, paths: list[str]) -> list[str]:
    """`paths` of files in the filesystem of `uri` (storage.filesystem) as URIs (s3:// kept)."""
    return [f"s3://{path}" if is_s3(uri) else path for path in paths]


def subfolders(settings: Settings, uri: str) -> list[str]:
    """Names of the folders directly inside `uri`, sorted; [] if it is absent."""
    filesystem_, path = filesystem(settings, uri)
    if filesystem_.get_file_info(path).type != fs.FileType.Directory:
        return []
    listing = filesystem_.get_file_info(fs.FileSelector(path, allow_not_found=True))
    return sorted(info.base_name for info in listing if info.type == fs.FileType.Directory)


def read_bytes(settings: Settings, uri: str) -> bytes:
    filesystem_, path = filesystem(settings, uri)
    with filesystem_.open_input_stream(path) as stream:
        return stream.read()


def write_bytes(settings: Settings, uri: str, data: bytes) -> None:
    filesystem_, path = filesystem(settings, uri)
    parent = path.rsplit("/", 1)[0]
    filesystem_.create_dir(parent, recursive=True)
    with filesystem_.open_output_stream(path) as stream:
        stream.write(data)


def replace_bytes(settings: Settings, uri: str, data: bytes) -> None:
    """Write a file so that a reader sees either its old or its new content, never a part.

    An S3 object appears only when its upload completes; on local disk the bytes go to a
    temporary file that is then renamed over the old one (an atomic rename).
    """
    if is_s3(uri):
        write_bytes(settings, uri, data)
        return
    temporary = f"{uri}.{os.getpid()}.tmp"
    write_bytes(settings, temporary, data)
    os.replace(temporary, uri)


def has_content(settings: Settings, uri: str) -> bool:
    """True when the folder (or prefix) at `uri` holds anything."""
    filesystem_, path = filesystem(settings, uri)
    if filesystem_.get_file_info(path).type != fs.FileType.Directory:
        return False
    return bool(filesystem_.get_file_info(fs.FileSelector(path, allow_not_found=True)))


def empty_dir(settings: Settings, uri: str) -> None:
    """Remove everything inside a folder (or prefix) but keep it: a layer at the root of a
    bucket must never take the bucket with it."""
    filesystem_, path = filesystem(settings, uri)
    if filesystem_.get_file_info(path).type == fs.FileType.Directory:
        filesystem_.delete_dir_contents(path, missing_dir_ok=True)


def delete_dir(settings: Settings, uri: str) -> None:
    """Remove a folder (or prefix) and everything below it; absent is fine."""
    filesystem_, path = filesystem(settings, uri)
    try:
        filesystem_.delete_dir(path)
    except FileNotFoundError:
        # Absent. On S3 a prefix also vanishes with its last object, and pyarrow may then report
        # the prefix itself as missing (seen on a versioned bucket of the emulator).
        pass


def spark_path(uri: str) -> str:
    """The same location in the form Spark's Hadoop filesystems expect."""
    if uri.startswith("s3://"):
        return "s3a://" + uri[len("s3://"):]
    if "://" in uri:
        return uri
    return "file://" + os.path.abspath(uri)
