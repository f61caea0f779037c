"""Fixtures of the integration tests: the real local stack (Kafka broker, AWS emulator).

`local_stack` starts what is not already running and, at the end, stops only what it started,
so a stack the developer brought up with `make up` survives the test run.
"""

from __future__ import annotations

import pytest

from jobs.config import Settings, load_settings
from jobs.operate.stack import stack_down
from jobs.operate.stack.stack import private_stack_variables


@pytest.fixture
def isolated_stack(emulator_environment, tmp_path, monkeypatch) -> Settings:
    """Dev settings for a second, private stack: own state folder, own free ports.

    Tests that stop services or provoke failures use it, so the shared stack is never touched.
    """
    for name, value in private_stack_variables(tmp_path / "state").items():
        monkeypatch.setenv(name, value)
    settings = load_settings("dev")
    yield settings
    # Whatever a failing test left running on the private ports goes too.
    stack_down(settings)
