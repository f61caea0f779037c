"""The project's images and docker-compose.yml, built and run for real with the docker CLI and
Docker's compose plugin (against podman's Docker API where no Docker engine runs: `make engine`).

Containers are reached only through ports published on 127.0.0.1. The compose stack runs under
a project name and host ports of its own, beside the stack the rest of the suite uses.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pandas as pd
import pyarrow.parquet as pq
import pytest

from jobs.operate.stack.constants import EMULATOR_CREDENTIALS, LOOPBACK
from jobs.operate.stack.processes import free_ports

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
RTDP = str(ROOT / ".venv" / "bin" / "rtdp")
# Image -> the user it runs as. (The health checks of the kafka and emulator images are proven
# by the compose stack, which waits for them; podman's Docker API does not show them in an inspect.)
IMAGES = {"platform": "rtdp", "emulator": "rtdp", "deploy": "rtdp", "airflow": "rtdp", "kafka": "kafka"}
DEMO = ["run", "--env", "local", "--scale", "2000", "--seed", "7", "--now", "2026-07-01"]
# Report columns that name the run or the trained model, different in every run by design.
RUN_COLUMNS = re.compile(r"(^|_)(run_id|model_version)$")
PROJECT = "rtdp-test"
# The variables that move the stack's published ports, as docker-compose.yml names them.
COMPOSE_PORTS = tuple(dict.fromkeys(re.findall(r"\$\{(RTDP_\w+_PORT):-", (ROOT / "docker-compose.yml").read_text())))
EVENTS = 200


def _run(command: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def built() -> str:
    """`make images`: what it printed."""
    return _run(["make", "images"], dict(os.environ), timeout=1800).stdout


@pytest.fixture(scope="module")
def docker(built) -> Iterator[dict[str, str]]:
    """The environment in which `docker` and `docker compose` reach an engine (`make engine`);
    an engine this fixture started is stopped at the end."""
    already = (ROOT / ".state" / "podman" / "docker.sock").exists()
    started = _run(["make", "engine"], dict(os.environ)).stdout
    env = dict(os.environ)
    socket = re.search(r"export DOCKER_HOST=(\S+)", started)
    if socket:
        env["DOCKER_HOST"] = socket.group(1)
    yield env
    if socket and not already:
        _run(["make", "engine-stop"], dict(os.environ))


def test_make_images_builds_every_image_labelled_with_the_version_and_run_by_a_user(built, docker):
    for name, user in IMAGES.items():
        assert re.search(rf"^ok   rtdp-{name}:{re.escape(VERSION)} \(\S+, built in \d+ s with (docker|podman)\)$", built,
                         re.MULTILINE), built
        [image] = json.loads(_run(["docker", "image", "inspect", f"rtdp-{name}:{VERSION}"], docker).stdout)
        config = image["Config"]
        assert config["Labels"]["org.opencontainers.image.version"] == VERSION
        assert config["Labels"]["org.opencontainers.image.title"] == f"rtdp-{name}"
        assert config["User"] == user


def _reports(home: Path) -> dict[str, pd.DataFrame]:
    reports = sorted((home / "data" / "reports").glob("*.csv"))
    assert len(reports) == 10, reports
    frames = {path.name: pd.read_csv(path) for path in reports}
    return {name: frame[[column for column in frame.columns if not RUN_COLUMNS.search(column)]] for name, frame in frames.items()}


def test_the_demo_in_the_platform_image_gives_the_figures_of_the_demo_without_docker(tmp_path, docker):
    in_container = tmp_path / "container"
    in_container.mkdir()
    in_container.chmod(0o777)  # written by the image's user
    # No network at all: the demo needs none.
    _run(["docker", "run", "--rm", "--network", "none", "-v", f"{in_container}:/home/rtdp", f"rtdp-platform:{VERSION}", *DEMO],
         docker)
    on_host = tmp_path / "host"
    _run([RTDP, *DEMO], dict(os.environ, RTDP_HOME=str(on_host)))
    container_reports, host_reports = _reports(in_container), _reports(on_host)
    assert container_reports.keys() == host_reports.keys()
    for name, frame in host_reports.items():
        pd.testing.assert_frame_equal(container_reports[name], frame, obj=name)


def _silver_stream_rows(s3) -> int:
    keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="rtdp-dev-silver",
                                                                                  Prefix="silver/stream_transactions/")
            for item in page.get("Contents", [])
            # Skip the hidden folders a micro-batch writes under before it commits (`_temporary/`,
            # `.spark-staging-*/`), as Spark's readers do.
            if item["Key"].endswith(".parquet") and not any(part.startswith(("_", ".")) for part in item["Key"].split("/"))]
    return sum(pq.read_metadata(io.BytesIO(s3.get_object(Bucket="rtdp-dev-silver", Key=key)["Body"].read())).num_rows
               for key in keys)


def _wait_until(condition, what: str, timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(3)


def test_the_compose_stack_deploys_dev_runs_the_batch_and_streams_events_to_silver(docker):
    """Profile full: every service of docker-compose.yml."""
    first = free_ports(len(COMPOSE_PORTS))
    ports = {name: str(first + offset) for offset, name in enumerate(COMPOSE_PORTS)}
    env = dict(docker, **ports, RTDP_SCALE="2000")
    compose = ["docker", "compose", "--project-name", PROJECT, "--profile", "full"]
    try:
        _run([*compose, "up", "--detach", "--wait", "--wait-timeout", "900"], env, timeout=1200)
        services = {service["Service"]: service for service in
                    (json.loads(line) for line in _run([*compose, "ps", "--all", "--format", "json"], env).stdout.splitlines())}
        for name in ("kafka", "emulator", "spark-master", "spark-worker-1", "spark-worker-2", "stream", "dashboard", "airflow"):
            assert (services[name]["State"], services[name]["Health"]) == ("running", "healthy"), services[name]
        for name in ("deploy", "pipeline"):
            assert services[name]["State"] == "exited" and services[name]["ExitCode"] == 0, services[name]
        # From the host, through the published ports only.
        host = dict(os.environ, **EMULATOR_CREDENTIALS, RTDP_KAFKA__BOOTSTRAP_SERVERS=f"{LOOPBACK}:{ports['RTDP_KAFKA_PORT']}",
                    RTDP_AWS__ENDPOINT_URL=f"http://{LOOPBACK}:{ports['RTDP_AWS_PORT']}")
        s3 = boto3.client("s3", endpoint_url=host["RTDP_AWS__ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        with urllib.request.urlopen(f"http://{LOOPBACK}:{ports['RTDP_DASHBOARD_PORT']}/_stcore/health", timeout=10) as answer:
            assert answer.read() == b"ok"
        with urllib.request.urlopen(f"http://{LOOPBACK}:{ports['RTDP_AIRFLOW_PORT']}/api/v2/monitor/health", timeout=10) as answer:
            health = json.load(answer)
        assert {part: health[part]["status"] for part in ("metadatabase", "scheduler")} == {"metadatabase": "healthy",
                                                                                           "scheduler": "healthy"}
        before = _silver_stream_rows(s3)
        _run([RTDP, "stream", "produce", "--env", "dev", "--count", str(EVENTS), "--seed", "3"], host)
        _wait_until(lambda: _silver_stream_rows(s3) >= before + EVENTS, f"{EVENTS} events in silver", timeout=300)
        assert _silver_stream_rows(s3) == before + EVENTS
    finally:
        down = subprocess.run([*compose, "down", "--volumes", "--timeout", "30"], cwd=ROOT, env=env, text=True,
                              capture_output=True, check=False)
    assert down.returncode == 0, down.stderr
    left = _run(["docker", "ps", "--all", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}"], docker).stdout
    volumes = _run(["docker", "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}"], docker).stdout
    networks = _run(["docker", "network", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}"], docker).stdout
    assert (left.strip(), volumes.strip(), networks.strip()) == ("", "", "")


def test_the_lineage_profile_adds_marquez_and_the_jobs_post_to_it_once_the_url_is_set(docker):
    def config(**variables: str) -> dict:
        env = {key: value for key, value in docker.items() if key != "RTDP_LINEAGE__URL"}
        return json.loads(_run(["docker", "compose", "--profile", "lineage", "config", "--format", "json"],
                               dict(env, **variables)).stdout)["services"]

    # The host's jobs use the published port, moved here; those in containers reach Marquez's own.
    asked = config(RTDP_LINEAGE__URL="http://127.0.0.1:5123", RTDP_MARQUEZ_PORT="5123")
    assert {"marquez", "marquez-db", "marquez-web"} <= set(asked)
    published = {(port["published"], port["target"]) for port in asked["loopback"]["ports"]}
    assert ("5123", 5000) in published
    not_asked = config()
    for name in ("pipeline", "stream"):
        assert asked[name]["environment"]["RTDP_LINEAGE__URL"] == "http://127.0.0.1:5000", name
        assert not_asked[name]["environment"]["RTDP_LINEAGE__URL"] == "", name  # the events file alone


def test_the_prod_configuration_runs_only_the_jobs_against_prod_with_the_keys_of_the_shell(docker):
    files = ["docker", "compose", "-f", "docker-compose.yml", "-f", "compose.prod.yaml", "--profile", "full"]
    keys = {"AWS_ACCESS_KEY_ID": "prod-key-id-example", "AWS_SECRET_ACCESS_KEY": "prod-secret-example",
            "RTDP_KAFKA__BOOTSTRAP_SERVERS": "b-1.prod.example:9092"}
    config = json.loads(_run([*files, "config", "--format", "json"], dict(docker, **keys)).stdout)
    services = config["services"]
    # No emulator, local broker, cluster, deploy from a laptop or generated world in prod.
    assert set(services) == {"loopback", "stream", "dashboard", "airflow"}
    for name in ("stream", "dashboard", "airflow"):
        environment = services[name]["environment"]
        assert {key: environment[key] for key in keys} == keys, name
        assert set(services[name].get("depends_on", {})) <= {"loopback"}, name
    for name in ("stream", "dashboard"):
        command = services[name]["command"]
        assert command[command.index("--env") + 1] == "prod"
    assert services["airflow"]["environment"]["RTDP_ENV"] == "prod"
    missing = subprocess.run([*files, "config"], cwd=ROOT, env={k: v for k, v in docker.items() if not k.startswith("AWS_")},
                             text=True, capture_output=True, check=False)
    assert missing.returncode != 0 and "export prod's keys" in missing.stderr
