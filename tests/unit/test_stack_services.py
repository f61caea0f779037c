"""Which services each environment's stack runs, on which loopback ports, and a private stack's ports."""

from __future__ import annotations

import socket

import pytest

from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.operate.stack import processes
from jobs.operate.stack.lifecycle import Service
from jobs.operate.stack.stack import private_stack_variables, stack_services
from jobs.serve.dashboard.service import dashboard

pytestmark = pytest.mark.unit


def _ports(settings) -> dict[str, tuple[int, ...]]:
    return {service.name: service.ports for service in stack_services(settings)}


def test_dev_runs_the_broker_the_emulator_and_a_spark_master_with_two_workers():
    assert _ports(load_settings("dev")) == {
        "kafka": (9092, 9093), "aws": (4566,),
        "spark-master": (7077, 8090), "spark-worker-1": (8091,), "spark-worker-2": (8092,),
    }


def test_local_runs_the_broker_only_and_spark_can_be_asked_for_alone():
    assert list(_ports(load_settings("local"))) == ["kafka"]
    spark = [service.name for service in stack_services(load_settings("dev"), only=["spark"])]
    assert spark == ["spark-master", "spark-worker-1", "spark-worker-2"]
    with pytest.raises(PlatformError, match="unknown stack service 'flink': choose from kafka, aws, spark"):
        stack_services(load_settings("dev"), only=["flink"])


def test_workers_register_with_their_master_and_offer_what_the_settings_say(monkeypatch):
    monkeypatch.setenv("RTDP_SPARK__CLUSTER__WORKERS", "3")
    monkeypatch.setenv("RTDP_SPARK__CLUSTER__WORKER_MEMORY", "768m")
    services = stack_services(load_settings("dev"), only=["spark"])
    assert [service.name for service in services] == ["spark-master", "spark-worker-1", "spark-worker-2", "spark-worker-3"]
    for worker in services[1:]:
        command = worker.command()
        assert command[-1] == "spark://127.0.0.1:7077"
        assert command[command.index("--memory") + 1] == "768m" and command[command.index("--cores") + 1] == "1"
        assert command[command.index("--host") + 1] == "127.0.0.1"
    # Spark's web UIs listen on every interface unless SPARK_LOCAL_IP says otherwise.
    assert all(service.environment()["SPARK_LOCAL_IP"] == "127.0.0.1" for service in services)


def test_a_private_stack_gets_its_own_state_and_free_ports_for_every_service(tmp_path, monkeypatch):
    taken: set[int] = set()
    first = private_stack_variables(tmp_path / "a", avoid=taken)
    second = private_stack_variables(tmp_path / "b", avoid=taken)
    ports = []
    for variables in (first, second):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        ports.append([port for service_ports in _ports(load_settings("dev")).values() for port in service_ports])
    usual = {9092, 9093, 4566, 7077, 8090, 8091, 8092}
    assert len(set(ports[0])) == len(set(ports[1])) == 7
    assert not set(ports[0]) & set(ports[1]) and not (set(ports[0]) | set(ports[1])) & usual
    assert set(ports[0]) | set(ports[1]) <= taken
    for port in ports[0]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # free when handed out
    assert first["RTDP_STATE_DIR"] == str(tmp_path / "a")


@pytest.mark.parametrize("ephemeral", ["20000\t60999\n", "1024\t65535\n"])
def test_free_ports_lie_below_the_range_where_client_sockets_take_theirs(tmp_path, monkeypatch, ephemeral):
    (tmp_path / "range").write_text(ephemeral)
    monkeypatch.setattr(processes, "EPHEMERAL_RANGE", tmp_path / "range")
    start = int(ephemeral.split()[0])
    for _ in range(20):
        port = processes.free_ports(7)
        # Below the range when there is room there, and never among the usual stack's ports.
        assert 10_000 <= port and (port + 7 <= start if start > 10_007 else port + 7 <= 65_536)
        for offset in range(7):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + offset))


def test_every_service_the_lifecycle_starts_has_all_it_asks_for():
    services = [*stack_services(load_settings("dev")), dashboard(load_settings("local"))]
    for service in services:
        assert isinstance(service, Service), type(service).__name__
        assert isinstance(service.environment(), dict)
