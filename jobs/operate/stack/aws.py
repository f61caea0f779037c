"""The AWS API emulator of the no-Docker stack: moto in server mode on 127.0.0.1:4566, enforcing
IAM as AWS does (jobs.operate.stack.moto_server says how, and where it corrects moto).

Why moto and not LocalStack here: moto's server is a pinned dev dependency of this project
(`moto[server]`), runs as a plain Python process from the virtual environment, binds loopback
only, downloads nothing at run time and serves S3, STS and IAM well enough for boto3, pyarrow,
Spark S3A and DuckDB (with path-style addressing). LocalStack's free image needs Docker, its
current releases need an auth token, and as a Python package it wants its own virtual
environment and listens on every interface. docker-compose.yml runs this same emulator in the
project's emulator image, on the same port.

The emulator keeps its data in memory: after a restart, `make deploy ENV=dev` recreates the
buckets (Terraform plans them as missing).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jobs.errors import PlatformError
from jobs.operate.stack.constants import EMULATOR_CREDENTIALS
from jobs.operate.stack.paths import StackPaths
from jobs.operate.stack.processes import accepts_connections


def parse_endpoint(endpoint_url: str) -> tuple[str, int]:
    """Host and port of an emulator endpoint such as http://127.0.0.1:4566."""
    parsed = urlparse(endpoint_url)
    if parsed.scheme != "http" or parsed.hostname is None or parsed.port is None:
        raise PlatformError(f"aws.endpoint_url must look like http://127.0.0.1:4566 for the local emulator, got '{endpoint_url}'")
    return parsed.hostname, parsed.port


def emulator_client(service: str, endpoint_url: str, region: str):
    """A boto3 client for the emulator with the administrator's keys and short timeouts."""
    return boto3.client(
        service, endpoint_url=endpoint_url, region_name=region,
        aws_access_key_id=EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


@dataclass(frozen=True)
class AwsEmulator:
    """moto's HTTP server: S3, STS, IAM and more behind one endpoint."""

    paths: StackPaths
    host: str
    port: int
    region: str

    name = "aws"
    title = "AWS emulator (moto)"
    health_timeout = 30.0
    stop_grace = 10.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def prepare(self) -> None:
        if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
            raise PlatformError("the AWS emulator needs moto[server] in this Python environment: run `make install`")

    def command(self) -> list[str]:
        return [sys.executable, "-m", "jobs.operate.stack.moto_server", "-H", self.host, "-p", str(self.port)]

    def environment(self) -> dict[str, str]:
        return {}

    def healthy(self) -> bool:
        """S3 ListBuckets and STS GetCallerIdentity both answer."""
        if not accepts_connections(self.host, self.port):
            return False
        try:
            emulator_client("s3", self.endpoint_url, self.region).list_buckets()
            identity = emulator_client("sts", self.endpoint_url, self.region).get_caller_identity()
        except (BotoCoreError, ClientError):
            return False
        return bool(identity.get("Account"))
