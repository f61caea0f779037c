"""User mistakes reach the user as one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jobs.cli import app

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("arguments", "message"), [
    (["run", "--env", "staging"], "unknown environment 'staging'"),
    (["warehouse", "--env", "local"], "gold table"),
    (["reports", "--env", "local"], "warehouse not found"),
    (["infra", "plan", "--env", ""], "say which environment: ENV=dev"),
    (["infra", "plan", "--env", "local"], "has no infrastructure"),
    (["infra", "deploy", "--env", "dev", "--wheel", "dist/none.whl"], "wheel dist/none.whl not found"),
    (["infra", "plan", "--env", "qa"], "unknown environment 'qa'"),
])
def test_user_error_is_one_line_and_exit_status_1(arguments, message, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_deploying_without_the_local_stack_says_to_start_it(tmp_path, monkeypatch, unused_port):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    monkeypatch.setenv("RTDP_AWS__ENDPOINT_URL", f"http://127.0.0.1:{unused_port}")
    result = CliRunner().invoke(app, ["infra", "plan", "--env", "dev"])
    assert result.exit_code == 1
    assert result.output.strip() == (f"error: the AWS emulator at http://127.0.0.1:{unused_port} is not answering: "
                                     "start the local stack with `make up`")


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
