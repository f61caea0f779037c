"""The stack's life cycle on real processes: reuse, status, stop, and its one-line failures."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from jobs.errors import PlatformError
from jobs.operate.stack import stack_down, stack_status, stack_up
from jobs.operate.stack.aws import parse_endpoint
from jobs.operate.stack.constants import LOOPBACK
from jobs.operate.stack.jars import fetch_jars
from jobs.operate.stack.kafka import parse_bootstrap
from jobs.operate.stack.lifecycle import start_service
from jobs.operate.stack.paths import StackPaths, stack_paths
from jobs.operate.stack.processes import PidRecord, is_alive, port_in_use, write_pid_file
from jobs.storage import require_buckets

pytestmark = pytest.mark.integration


def _one_line(error: PlatformError) -> str:
    message = str(error)
    assert message and "\n" not in message
    return message


def test_stack_up_twice_reuses_the_same_processes(local_stack):
    first = {status.name: status for status in stack_up(local_stack)}
    second = {status.name: status for status in stack_up(local_stack)}
    assert set(second) == {"kafka", "aws", "spark-master", "spark-worker-1", "spark-worker-2"}
    assert all(status.state == "already running" for status in second.values())
    assert {name: status.pid for name, status in second.items()} == {name: status.pid for name, status in first.items()}


def test_status_reports_pid_port_and_memory_of_running_services(local_stack):
    statuses = {status.name: status for status in stack_status(local_stack)}
    assert statuses["kafka"].port == parse_bootstrap(local_stack.kafka.bootstrap_servers)[1]
    assert statuses["aws"].port == parse_endpoint(local_stack.aws.endpoint_url)[1]
    assert statuses["spark-master"].port == local_stack.spark.cluster.master_port
    assert statuses["spark-worker-2"].port == local_stack.spark.cluster.ui_port + 2
    for status in statuses.values():
        assert status.state == "running"
        assert is_alive(status.pid)
        assert status.rss_bytes is not None and status.rss_bytes > 10 * 2**20


def test_stack_down_stops_every_process_it_started_and_no_other(isolated_stack):
    started = {status.name: status for status in stack_up(isolated_stack)}
    assert {status.state for status in started.values()} == {"started"}
    # Buckets are infrastructure: Terraform creates them, the stack does not, and jobs say so.
    s3 = boto3.client("s3", endpoint_url=isolated_stack.aws.endpoint_url, region_name=isolated_stack.aws.region)
    assert s3.list_buckets()["Buckets"] == []
    with pytest.raises(PlatformError, match=r"bucket rtdp-dev-\w+ does not exist: .*make deploy ENV=dev"):
        require_buckets(isolated_stack)
    paths = stack_paths(isolated_stack)
    # A pid file naming a process the stack did not start (same pid, other command line).
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        stopped = {status.name: status for status in stack_down(isolated_stack)}
        assert {name: status.pid for name, status in stopped.items()} == {name: status.pid for name, status in started.items()}
        for status in started.values():
            assert not is_alive(status.pid)
            assert not port_in_use(LOOPBACK, status.port)
        assert list(paths.pids.glob("*")) == []

        write_pid_file(paths.pid_file("kafka"), PidRecord(stranger.pid, 1, ["java", "kafka.Kafka"]))
        assert [status.state for status in stack_down(isolated_stack, only=["kafka"])] == ["not running"]
        assert stranger.poll() is None
        assert not paths.pid_file("kafka").exists()
    finally:
        stranger.kill()
        stranger.wait()
    assert {status.state for status in stack_status(isolated_stack)} == {"stopped"}


@pytest.mark.parametrize("service", ["kafka", "aws"])
def test_a_port_held_by_another_program_gives_one_line(isolated_stack, service):
    port = (parse_bootstrap(isolated_stack.kafka.bootstrap_servers)[1] if service == "kafka"
            else parse_endpoint(isolated_stack.aws.endpoint_url)[1])
    with socket.socket() as squatter:
        squatter.bind((LOOPBACK, port))
        squatter.listen()
        with pytest.raises(PlatformError) as raised:
            stack_up(isolated_stack, only=[service])
    message = _one_line(raised.value)
    assert f"{LOOPBACK}:{port}" in message and "taken" in message
    assert list(stack_paths(isolated_stack).pids.glob("*")) == []


def test_missing_java_gives_one_line(isolated_stack, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(PlatformError) as raised:
        stack_up(isolated_stack, only=["kafka"])
    assert "java" in _one_line(raised.value)


def test_a_failed_maven_download_gives_one_line(tmp_path):
    pom = tmp_path / "missing" / "pom.xml"
    pom.parent.mkdir()
    pom.write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>io.rtdp.test</groupId><artifactId>missing</artifactId><version>1</version><packaging>pom</packaging>"
        "<dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>"
        "<version>0.0.0-no-such-release</version></dependency></dependencies></project>"
    )
    with pytest.raises(PlatformError) as raised:
        fetch_jars(pom, tmp_path / "jars")
    assert "mvn could not download" in _one_line(raised.value)
    assert not (tmp_path / "jars").exists()


@dataclass(frozen=True)
class NeverHealthy:
    """A real process that never passes its health check."""

    paths: StackPaths
    host: str = LOOPBACK
    port: int = 0
    name = "never-healthy"
    title = "test service"
    health_timeout = 2.0
    stop_grace = 5.0
    ports = ()

    def prepare(self) -> None:
        pass

    def command(self) -> list[str]:
        # The state folder as an argument makes the command line unique to this test.
        return [sys.executable, "-c", "import time; time.sleep(120)", str(self.paths.state)]

    def environment(self) -> dict[str, str]:
        return {}

    def healthy(self) -> bool:
        return False


def _processes_running(command: list[str]) -> list[int]:
    """Pids whose command line is exactly `command`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().split(b"\0")[:-1] == [part.encode() for part in command]:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_health_check_timeout_names_the_log_and_leaves_nothing_running(tmp_path: Path):
    service = NeverHealthy(StackPaths(state=tmp_path / "state"))
    with pytest.raises(PlatformError) as raised:
        start_service(service)
    message = _one_line(raised.value)
    assert "health check" in message and str(service.paths.log_file(service.name)) in message
    assert not service.paths.pid_file(service.name).exists()
    assert _processes_running(service.command()) == []

