"""docker-compose.yml is the no-Docker stack in containers: the project's images, the same ports and settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from jobs.config import load_settings
from jobs.operate.stack.aws import parse_endpoint
from jobs.operate.stack.constants import AWS_PORT, EMULATOR_CREDENTIALS, KAFKA_PORT, LOOPBACK
from jobs.operate.stack.kafka import KafkaBroker, parse_bootstrap
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.stack import stack_services

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
NAMESPACE = "service:loopback"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dev_settings():
    return load_settings("dev").model_copy(update={"home": ROOT})


# "127.0.0.1:${RTDP_KAFKA_PORT:-9092}:9094": host address, the variable moving the host port, its default, container port.
PORT = re.compile(r"^(?P<host>[\d.]+):\$\{(?P<variable>RTDP_\w+_PORT):-(?P<default>\d+)\}:(?P<container>\d+)$")
# The port `make airflow` prefers (infra/airflow/start.sh), the Airflow image's (infra/images/airflow).
AIRFLOW_PORT = 8080
# The broker's listener for the host's clients (KAFKA_LISTENERS in docker-compose.yml).
KAFKA_HOST_LISTENER = 9094
# Marquez's API and UI at their own defaults (profile lineage; tests/lineage/test_lineage_compose.py).
MARQUEZ_PORTS = (5000, 3000)
# Upstream services, not the project's images: Marquez and its database.
LINEAGE = ["lineage"]


def _published_ports(service: dict) -> list[re.Match]:
    published = [PORT.match(str(mapping)) for mapping in service.get("ports", [])]
    assert all(published), f"a port mapping is not of the form {PORT.pattern}: {service['ports']}"
    return published


def _built_images() -> set[str]:
    """The images `make images` builds: the targets of the Dockerfile and the folders of infra/images."""
    targets = re.findall(r"^FROM \S+ AS (\w+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    folders = [path.name for path in (ROOT / "infra" / "images").iterdir() if (path / "Dockerfile").is_file()]
    return {f"rtdp-{name}" for name in targets + folders if name != "build"}


def test_every_service_runs_an_image_of_the_project_at_its_version(compose):
    for name, service in compose["services"].items():
        if service.get("profiles") == LINEAGE:
            continue
        image, _, tag = service["image"].rpartition(":")
        assert image in _built_images(), f"{name} runs {image}, which `make images` does not build"
        assert tag == VERSION, f"{name} runs {service['image']}, not the project's version {VERSION}"


def test_every_service_shares_the_loopback_namespace_and_only_it_publishes_ports(compose):
    for name, service in compose["services"].items():
        if name == "loopback":
            continue
        assert service.get("network_mode") == NAMESPACE, f"{name} has a network namespace of its own"
        assert not service.get("ports"), f"{name} publishes ports: only loopback may"


def test_ports_are_loopback_only_and_by_default_those_of_make_up(compose, dev_settings):
    published = _published_ports(compose["services"]["loopback"])
    assert {port["host"] for port in published} == {LOOPBACK}
    spark_ports = [port for service in stack_services(dev_settings, only=["spark"]) for port in service.ports
                   if port != dev_settings.spark.cluster.master_port]  # Spark's RPC stays inside: executors must reach the driver
    expected = [KAFKA_PORT, AWS_PORT, *spark_ports, AIRFLOW_PORT, dev_settings.dashboard.port, *MARQUEZ_PORTS]
    assert sorted(int(port["default"]) for port in published) == sorted(expected)
    assert len({port["variable"] for port in published}) == len(published)
    for port in published:
        expected = KAFKA_HOST_LISTENER if int(port["default"]) == KAFKA_PORT else int(port["default"])
        assert int(port["container"]) == expected
    assert parse_bootstrap(dev_settings.kafka.bootstrap_servers) == (LOOPBACK, KAFKA_PORT)
    assert parse_endpoint(dev_settings.aws.endpoint_url) == (LOOPBACK, AWS_PORT)


def test_the_broker_tells_containers_and_the_host_their_own_address(compose):
    environment = compose["services"]["kafka"]["environment"]
    listeners = dict(item.split("://") for item in environment["KAFKA_LISTENERS"].split(","))
    advertised = dict(item.split("://") for item in environment["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert listeners["HOST"] == f":{KAFKA_HOST_LISTENER}" and listeners["PLAINTEXT"] == f":{KAFKA_PORT}"
    assert advertised == {"PLAINTEXT": f"{LOOPBACK}:{KAFKA_PORT}", "HOST": f"{LOOPBACK}:${{RTDP_KAFKA_PORT:-{KAFKA_PORT}}}"}


def test_the_spark_daemons_offer_what_make_up_offers(compose, dev_settings):
    cluster = dev_settings.spark.cluster
    master, *workers = stack_services(dev_settings, only=["spark"])
    command = compose["services"]["spark-master"]["command"]
    assert command[command.index("--port") + 1] == str(cluster.master_port)
    assert command[command.index("--webui-port") + 1] == str(master.ui_port)
    for worker in workers:
        command = compose["services"][worker.name]["command"]
        assert command[command.index("--webui-port") + 1] == str(worker.port)
        assert command[command.index("--memory") + 1] == cluster.worker_memory
        assert command[command.index("--cores") + 1] == str(cluster.worker_cores)
        assert command[-1] == cluster.master_url
        assert compose["services"][worker.name]["environment"]["WORKER_UI"] == f"http://{LOOPBACK}:{worker.port}"


def test_the_broker_has_the_heap_of_make_up(compose, dev_settings):
    broker = KafkaBroker(paths=stack_paths(dev_settings), host=LOOPBACK, port=KAFKA_PORT)
    assert f"-Xmx{broker.heap}" in compose["services"]["kafka"]["environment"]["KAFKA_HEAP_OPTS"].split()


def test_jobs_use_the_stack_credentials(compose):
    for name in ("deploy", "pipeline", "stream", "dashboard", "airflow"):
        environment = compose["services"][name]["environment"]
        assert {key: environment[key] for key in EMULATOR_CREDENTIALS} == EMULATOR_CREDENTIALS


def test_the_pipeline_runs_the_world_of_make_pipeline_before_the_stream_starts(compose):
    from jobs.cli import DEFAULT_SCALE

    command = compose["services"]["pipeline"]["command"]
    assert command[:3] == ["run", "--env", "dev"]
    assert command[command.index("--scale") + 1] == f"${{RTDP_SCALE:-{DEFAULT_SCALE}}}"
    assert compose["services"]["stream"]["depends_on"] == {"pipeline": {"condition": "service_completed_successfully"}}
    assert compose["services"]["pipeline"]["depends_on"]["deploy"] == {"condition": "service_completed_successfully"}
