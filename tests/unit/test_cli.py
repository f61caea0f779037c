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
])
def test_user_error_is_one_line_and_exit_status_1(arguments, message, tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_HOME", str(tmp_path))
    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output
