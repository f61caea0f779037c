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
    (["sql", "SELECT 1"], "no warehouse at"),
    (["sql"], "give either a query or --file"),
    (["sql", "--file", "missing.sql"], "no SQL file at missing.sql"),
    (["stream", "produce", "--world-pace", "60", "--rate", "5"], "--world-pace paces synthetic transactions"),
    (["stream", "produce", "--world-pace", "60", "--source", "replay"], "--world-pace paces synthetic transactions"),
    (["stream", "produce", "--world-pace", "60"], "no transactions extracts"),
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


@pytest.fixture
def small_warehouse(local_settings):
    import duckdb

    local_settings.warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(local_settings.warehouse_path)) as connection:
        connection.execute("CREATE TABLE sale AS SELECT * FROM (VALUES ('T1', 2.50), ('T2', NULL), ('T3', 4.00)) AS s(id, amount)")
    return local_settings


def test_sql_prints_a_query_result_as_a_table_and_counts_its_rows(small_warehouse, tmp_path):
    shown = CliRunner().invoke(app, ["sql", "SELECT id, amount FROM sale ORDER BY id", "--limit", "2"])
    assert shown.exit_code == 0, shown.output
    assert "T1" in shown.output and "NULL" in shown.output and "T3" not in shown.output
    assert shown.output.rstrip().endswith("3 rows, the first 2 shown")
    (tmp_path / "total.sql").write_text("SELECT sum(amount) AS total FROM sale;\n")
    total = CliRunner().invoke(app, ["sql", "--file", str(tmp_path / "total.sql")])
    assert "6.50" in total.output and total.output.rstrip().endswith("1 row")


def test_sql_reports_a_refused_query_in_one_line_and_never_writes(small_warehouse):
    for query in ("SELECT nope FROM sale", "DELETE FROM sale"):
        result = CliRunner().invoke(app, ["sql", query])
        assert result.exit_code == 1
        assert result.output.startswith("error: DuckDB refused the query: ") and len(result.output.splitlines()) == 1
    assert "3 rows" in CliRunner().invoke(app, ["sql", "SELECT * FROM sale"]).output
