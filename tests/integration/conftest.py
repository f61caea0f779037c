"""Fixtures of the integration tests: the real local stack (Kafka broker, AWS emulator).

`local_stack` starts what is not already running and, at the end, stops only what it started,
so a stack the developer brought up with `make up` survives the test run.
"""

from __future__ import annotations

import socket

import pytest

from jobs.config import Settings, load_settings
from jobs.operate.stack import stack_down
from jobs.operate.stack.constants import LOOPBACK


def free_port_pair() -> int:
    """A loopback port p such that p and p + 1 are both free (a broker and its controller)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as first, socket.socket() as second:
                first.bind((LOOPBACK, port))
                second.bind((LOOPBACK, port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two consecutive free loopback ports found")


@pytest.fixture
def isolated_stack(emulator_environment, tmp_path, monkeypatch) -> Settings:
    """Dev settings for a second, private stack: own state folder, own free ports.

    Tests that stop services or provoke failures use it, so the shared stack is never touched.
    """
    kafka_port = free_port_pair()
    aws_port = free_port_pair()
    monkeypatch.setenv("RTDP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RTDP_KAFKA__BOOTSTRAP_SERVERS", f"{LOOPBACK}:{kafka_port}")
    monkeypatch.setenv("RTDP_AWS__ENDPOINT_URL", f"http://{LOOPBACK}:{aws_port}")
    settings = load_settings("dev")
    yield settings
    # Whatever a failing test left running on the private ports goes too.
    stack_down(settings)
