"""docker-compose.yml is the Docker twin of the no-Docker stack: same versions, ports and settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pyspark
import pytest
import yaml

from jobs.config import load_settings
from jobs.operate.stack.aws import parse_endpoint
from jobs.operate.stack.constants import AWS_PORT, EMULATOR_CREDENTIALS, KAFKA_CONTROLLER_PORT, KAFKA_PORT, LOOPBACK
from jobs.operate.stack.jars import pom_property
from jobs.operate.stack.kafka import KafkaBroker, parse_bootstrap
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.stack import stack_services

pytestmark = pytest.mark.unit

# The port `make airflow` prefers (infra/airflow/start.sh).
AIRFLOW_PORT = 8080

ROOT = Path(__file__).resolve().parents[2]
# Keys whose container value must differ: inside a container the broker listens on all
# interfaces (the host side is bound to loopback by the port mapping) and keeps data in a volume.
CONTAINER_ONLY_VALUES = {"listeners", "log.dirs"}
# Variables of the apache/kafka image that are JVM options, not server.properties keys.
KAFKA_JVM_VARIABLES = {"KAFKA_HEAP_OPTS"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dev_settings():
    return load_settings("dev").model_copy(update={"home": ROOT})


def _image_tag(image: str) -> tuple[str, str]:
    name, _, tag = image.rpartition(":")
    return name, tag


def _published_ports(service: dict) -> list[tuple[str, int, int]]:
    published = []
    for mapping in service["ports"]:
        host_ip, host_port, container_port = str(mapping).split(":")
        published.append((host_ip, int(host_port), int(container_port)))
    return published


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def test_every_image_is_pinned_to_an_exact_version(compose):
    for name, service in compose["services"].items():
        image_name, tag = _image_tag(service["image"])
        assert image_name, f"{name} has no image name"
        assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"{name} image '{service['image']}' is not pinned to an exact version"


def test_kafka_image_matches_the_maven_broker_version(compose, dev_settings):
    image_name, tag = _image_tag(compose["services"]["kafka"]["image"])
    pom = stack_paths(dev_settings).recipes / "kafka" / "pom.xml"
    assert image_name == "apache/kafka"
    assert tag == pom_property(pom, "kafka.version")


def test_airflow_image_is_tagged_with_the_project_version(compose):
    image_name, tag = _image_tag(compose["services"]["airflow"]["image"])
    assert image_name == "rtdp-airflow"
    assert tag == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_spark_image_is_the_pinned_pyspark_version_and_its_workers_offer_what_make_up_offers(compose, dev_settings):
    cluster = dev_settings.spark.cluster
    for name in ("spark-master", "spark-worker-1", "spark-worker-2"):
        assert _image_tag(compose["services"][name]["image"]) == ("apache/spark", pyspark.__version__)
    for worker in stack_services(dev_settings, only=["spark"])[1:]:
        command = compose["services"][worker.name]["command"]
        assert command[command.index("--memory") + 1] == cluster.worker_memory
        assert command[command.index("--cores") + 1] == str(cluster.worker_cores)
        assert command[-1] == f"spark://spark-master:{cluster.master_port}"


def test_localstack_tag_is_a_community_release(compose):
    image_name, tag = _image_tag(compose["services"]["localstack"]["image"])
    assert image_name == "localstack/localstack"
    assert tuple(int(part) for part in tag.split(".")) <= (4, 14, 0)


def test_ports_are_loopback_only_and_the_same_as_without_docker(compose, dev_settings):
    expected = {"kafka": [KAFKA_PORT], "localstack": [AWS_PORT], "airflow": [AIRFLOW_PORT]}
    expected |= {service.name: list(service.ports) for service in stack_services(dev_settings, only=["spark"])}
    for name, service in compose["services"].items():
        published = _published_ports(service)
        assert published, f"{name} publishes no port"
        assert all(host_ip == LOOPBACK for host_ip, _, _ in published), f"{name} publishes beyond {LOOPBACK}"
        assert [host_port for _, host_port, _ in published] == expected[name]
    assert parse_bootstrap(dev_settings.kafka.bootstrap_servers) == (LOOPBACK, KAFKA_PORT)
    assert parse_endpoint(dev_settings.aws.endpoint_url) == (LOOPBACK, AWS_PORT)


def test_kafka_variables_are_the_keys_of_the_no_docker_server_properties(compose, dev_settings):
    broker = KafkaBroker(paths=stack_paths(dev_settings), host=LOOPBACK, port=KAFKA_PORT)
    assert broker.controller_port == KAFKA_CONTROLLER_PORT
    properties = _properties(broker.server_properties())
    environment = {key: str(value) for key, value in compose["services"]["kafka"]["environment"].items()}
    # The apache/kafka image turns KAFKA_A_B into the property a.b.
    from_compose = {key[len("KAFKA_"):].lower().replace("_", "."): value
                    for key, value in environment.items() if key not in KAFKA_JVM_VARIABLES}
    assert set(from_compose) == set(properties)
    differing = {key for key in properties if properties[key] != from_compose[key]}
    assert differing == CONTAINER_ONLY_VALUES
    assert f"-Xmx{broker.heap}" in environment["KAFKA_HEAP_OPTS"].split()


def test_localstack_uses_the_stack_credentials_region_and_services(compose, dev_settings):
    environment = compose["services"]["localstack"]["environment"]
    for name, value in EMULATOR_CREDENTIALS.items():
        assert environment[name] == value
    assert environment["AWS_DEFAULT_REGION"] == dev_settings.aws.region
    assert {"s3", "sts", "iam"} <= set(environment["SERVICES"].split(","))
