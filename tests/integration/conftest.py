"""Fixtures of the integration tests: the real local stack (Kafka broker, AWS emulator).

`local_stack` starts what is not already running and, at the end, stops only what it started,
so a stack the developer brought up with `make up` survives the test run.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jobs.config import Settings, load_settings
from jobs.stack import stack_down, stack_up
from jobs.stack.constants import EMULATOR_CREDENTIALS, LOOPBACK

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def emulator_environment():
    """The dummy emulator credentials for the whole run: no real key is ever sent anywhere."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in EMULATOR_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.setenv("RTDP_HOME", str(PROJECT_ROOT))
        yield


@pytest.fixture(scope="session")
def local_stack(emulator_environment) -> Settings:
    """Settings of the dev environment with its stack up and healthy."""
    settings = load_settings("dev")
    statuses = stack_up(settings)
    started_here = [status.name for status in statuses if status.state == "started"]
    yield settings
    if started_here:
        stack_down(settings, only=started_here)


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
