"""Fixtures of the integration tests: the real local stack (Kafka broker, AWS emulator).

`local_stack` starts what is not already running and, at the end, stops only what it started,
so a stack the developer brought up with `make up` survives the test run.
"""

from __future__ import annotations

import pytest

from jobs.config import Settings, load_settings
from jobs.operate.stack import stack_down
from jobs.operate.stack.constants import LOOPBACK
from jobs.operate.stack.processes import free_port_pair


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
