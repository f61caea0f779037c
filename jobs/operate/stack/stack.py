"""The local platform stack as a whole: which services an environment needs, up, down, status.

local: the Kafka broker only (its lake is the local filesystem; Spark runs inside each job).
dev:   the Kafka broker, the AWS emulator (the S3A jars for Spark fetched) and the Spark
       standalone cluster of `[spark.cluster]`: a master and its workers.
prod:  refused: it uses real AWS and a managed Kafka, nothing to start on this machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.operate.stack.aws import AwsEmulator, parse_endpoint
from jobs.operate.stack.constants import LOOPBACK
from jobs.operate.stack.kafka import KafkaBroker, parse_bootstrap
from jobs.operate.stack.lifecycle import Service, ServiceStatus, service_status, start_service, stop_service
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.processes import exclusive, free_ports
from jobs.operate.stack.spark_cluster import SparkMaster, SparkWorker
from jobs.operate.stack.spark_jars import ensure_spark_jars, uses_s3

SERVICE_NAMES = ("kafka", "aws", "spark")


def _require_loopback(host: str, what: str) -> None:
    if host not in (LOOPBACK, "localhost"):
        raise PlatformError(f"{what} points at {host}: the local stack serves only {LOOPBACK}")


def stack_services(settings: Settings, only: Iterable[str] | None = None) -> list[Service]:
    """The services `settings` needs, in start order; `only` narrows them by group (kafka, aws,
    spark: the master and its workers) or by service name (e.g. spark-worker-2)."""
    if settings.env == "prod":
        raise PlatformError("the local stack serves the local and dev environments; prod uses real AWS")
    paths = stack_paths(settings)
    groups: list[tuple[str, Service]] = []
    host, port = parse_bootstrap(settings.kafka.bootstrap_servers)
    _require_loopback(host, "kafka.bootstrap_servers")
    groups.append(("kafka", KafkaBroker(paths=paths, host=host, port=port)))
    if settings.aws.endpoint_url:
        host, port = parse_endpoint(settings.aws.endpoint_url)
        _require_loopback(host, "aws.endpoint_url")
        groups.append(("aws", AwsEmulator(paths=paths, host=host, port=port, region=settings.aws.region)))
    cluster = settings.spark.cluster
    if cluster is not None:
        master = SparkMaster(paths=paths, host=LOOPBACK, port=cluster.master_port, ui_port=cluster.ui_port)
        groups.append(("spark", master))
        groups += [("spark", SparkWorker(paths=paths, host=LOOPBACK, number=number, master=master,
                                         cores=cluster.worker_cores, memory=cluster.worker_memory))
                   for number in range(1, cluster.workers + 1)]
    if only is None:
        return [service for _, service in groups]
    wanted = set(only)
    unknown = wanted - set(SERVICE_NAMES) - {service.name for _, service in groups}
    if unknown:
        raise PlatformError(f"unknown stack service '{min(unknown)}': choose from {', '.join(SERVICE_NAMES)}")
    return [service for group, service in groups if group in wanted or service.name in wanted]


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


def private_stack_variables(state: Path, workers: int = 2, avoid: set[int] | None = None) -> dict[str, str]:
    """Environment variables that give a second dev stack, beside the usual one, its own state
    folder and free loopback ports for every service (tests and course walks start such stacks).
    Ports in `avoid` are not used, and the ones chosen are added to it."""
    # Broker and controller, emulator, Spark master, its UI and the workers' UIs: one free block.
    needed = 5 + workers
    port = free_ports(needed)
    while avoid and avoid & set(range(port, port + needed)):
        port = free_ports(needed)
    if avoid is not None:
        avoid.update(range(port, port + needed))
    return {
        "RTDP_STATE_DIR": str(state),
        "RTDP_KAFKA__BOOTSTRAP_SERVERS": f"{LOOPBACK}:{port}",
        "RTDP_AWS__ENDPOINT_URL": f"http://{LOOPBACK}:{port + 2}",
        "RTDP_SPARK__CLUSTER__MASTER_PORT": str(port + 3),
        "RTDP_SPARK__CLUSTER__UI_PORT": str(port + 4),
    }
