"""The local platform stack as a whole: which services an environment needs, up, down, status.

local: the Kafka broker only (its lake is the local filesystem).
dev:   the Kafka broker and the AWS emulator; the buckets of the dev settings are created and the
       S3A jars for Spark fetched.
prod:  refused: it uses real AWS and a managed Kafka, nothing to start on this machine.
"""

from __future__ import annotations

from collections.abc import Iterable

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.operate.stack.aws import AwsEmulator, parse_endpoint
from jobs.operate.stack.constants import LOOPBACK
from jobs.operate.stack.kafka import KafkaBroker, parse_bootstrap
from jobs.operate.stack.lifecycle import Service, ServiceStatus, service_status, start_service, stop_service
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.processes import exclusive
from jobs.operate.stack.spark_jars import ensure_spark_jars, uses_s3

SERVICE_NAMES = ("kafka", "aws")


def _require_loopback(host: str, what: str) -> None:
    if host not in (LOOPBACK, "localhost"):
        raise PlatformError(f"{what} points at {host}: the local stack serves only {LOOPBACK}")


def stack_services(settings: Settings, only: Iterable[str] | None = None) -> list[Service]:
    """The services `settings` needs, in start order; `only` narrows them by name (kafka, aws)."""
    if settings.env == "prod":
        raise PlatformError("the local stack serves the local and dev environments; prod uses real AWS")
    wanted = set(SERVICE_NAMES if only is None else only)
    unknown = wanted - set(SERVICE_NAMES)
    if unknown:
        raise PlatformError(f"unknown stack service '{min(unknown)}': choose from {', '.join(SERVICE_NAMES)}")
    paths = stack_paths(settings)
    services: list[Service] = []
    if "kafka" in wanted:
        host, port = parse_bootstrap(settings.kafka.bootstrap_servers)
        _require_loopback(host, "kafka.bootstrap_servers")
        services.append(KafkaBroker(paths=paths, host=host, port=port))
    if "aws" in wanted and settings.aws.endpoint_url:
        host, port = parse_endpoint(settings.aws.endpoint_url)
        _require_loopback(host, "aws.endpoint_url")
        services.append(AwsEmulator(paths=paths, host=host, port=port, region=settings.aws.region))
    return services


def stack_up(settings: Settings, only: Iterable[str] | None = None) -> list[ServiceStatus]:
    """Start (or reuse) every service of `settings`, each healthy before this returns.

    Also fetches Spark's S3A jars when a layer is on s3://. The buckets are not made here:
    they are infrastructure, created by `make deploy`. Raises PlatformError (one line) when a
    service cannot start.
    """
    statuses = []
    # One starter at a time: a second caller finds the services running instead of racing for ports.
    with exclusive(stack_paths(settings).state / "stack.lock"):
        for service in stack_services(settings, only):
            statuses.append(start_service(service))
            if isinstance(service, AwsEmulator) and uses_s3(settings):
                ensure_spark_jars(settings)
    return statuses


def stack_down(settings: Settings, only: Iterable[str] | None = None) -> list[ServiceStatus]:
    """Stop the services this stack started (reverse start order); others are left alone."""
    return [stop_service(service) for service in reversed(stack_services(settings, only))]


def stack_status(settings: Settings) -> list[ServiceStatus]:
    """Running or stopped, with pid, port and resident memory, for each service of `settings`."""
    return [service_status(service) for service in stack_services(settings)]
