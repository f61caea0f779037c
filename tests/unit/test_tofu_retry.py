"""The Kafka provider's connection race ("kafka: broker not connected") is run again when the
command changed nothing, and planned again in dev when an apply hit it; any other failure stays
one failure. A stand-in `tofu` script (found through RTDP_TOOLS_DIR) fails as told."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from jobs.errors import PlatformError
from jobs.operate.deploy.environment import Plan, apply_plan
from jobs.operate.deploy.tofu import ATTEMPTS, KafkaOpenRace, Tofu

pytestmark = pytest.mark.unit

# Fails the first $FAILS calls with $MESSAGE on stderr, then succeeds; logs every call.
FAKE_TOFU = """#!/bin/sh
echo "$1" >> "$CALLS"
count=$(wc -l < "$CALLS")
if [ "$count" -le "$FAILS" ]; then
  echo "Error: $MESSAGE" >&2
  exit 1
fi
echo '{}'
"""
RACE = "kafka: broker not connected"


@pytest.fixture
def calls(tmp_path, monkeypatch) -> Path:
    tools = tmp_path / "tools"
    (tools / "bin").mkdir(parents=True)
    script = tools / "bin" / "tofu"
    script.write_text(FAKE_TOFU)
    script.chmod(0o755)
    log = tmp_path / "calls.txt"
    log.touch()
    monkeypatch.setenv("RTDP_TOOLS_DIR", str(tools))
    monkeypatch.setenv("CALLS", str(log))
    return log


def _fail(monkeypatch, times: int, message: str = RACE) -> None:
    monkeypatch.setenv("FAILS", str(times))
    monkeypatch.setenv("MESSAGE", message)


def _tofu(tmp_path) -> Tofu:
    return Tofu(tmp_path, tmp_path / "data")


def test_a_plan_that_hit_the_race_is_run_again_and_says_so(calls, monkeypatch, tmp_path, capsys):
    _fail(monkeypatch, 1)
    assert _tofu(tmp_path).run("plan").strip() == "{}"
    assert calls.read_text().split() == ["plan", "plan"]
    assert "Kafka provider hit its connection race; running it again" in capsys.readouterr().err


def test_a_race_that_keeps_coming_fails_with_one_line_after_the_last_attempt(calls, monkeypatch, tmp_path):
    _fail(monkeypatch, ATTEMPTS + 5)
    with pytest.raises(KafkaOpenRace, match="run it again"):
        _tofu(tmp_path).run("import", "address", "id")
    assert calls.read_text().split() == ["import"] * ATTEMPTS


def test_an_apply_that_hit_the_race_is_not_repeated_blindly(calls, monkeypatch, tmp_path):
    _fail(monkeypatch, 1)
    with pytest.raises(KafkaOpenRace):
        _tofu(tmp_path).run("apply", "plan.tfplan", stream=True)
    assert calls.read_text().split() == ["apply"]


def test_any_other_failure_is_reported_once(calls, monkeypatch, tmp_path):
    _fail(monkeypatch, 1, "No valid credential sources found")
    with pytest.raises(PlatformError) as failure:
        _tofu(tmp_path).run("plan")
    assert not isinstance(failure.value, KafkaOpenRace)
    assert calls.read_text().split() == ["plan"]


class RecordingTofu:
    """Records plan/apply calls; the first apply hits the race."""

    def __init__(self):
        self.calls: list[tuple] = []

    def apply(self, plan_file):
        self.calls.append(("apply", plan_file))
        if len(self.calls) == 1:
            raise KafkaOpenRace("race")

    def plan(self, plan_file, *, destroy=False):
        self.calls.append(("plan", plan_file, destroy))
        return {}


def _plan(env: str, tofu: RecordingTofu, destroy: bool) -> Plan:
    return Plan(SimpleNamespace(name=env), tofu, SimpleNamespace(has_changes=True), [], Path("env.tfplan"), destroy)


@pytest.mark.parametrize("destroy", [False, True])
def test_dev_plans_the_rest_and_applies_it_after_the_race(destroy):
    tofu = RecordingTofu()
    apply_plan(_plan("dev", tofu, destroy), approved=False)
    assert tofu.calls == [("apply", Path("env.tfplan")), ("plan", Path("env.tfplan"), destroy), ("apply", Path("env.tfplan"))]


def test_prod_never_applies_a_plan_nobody_reviewed():
    tofu = RecordingTofu()
    with pytest.raises(KafkaOpenRace):
        apply_plan(_plan("prod", tofu, False), approved=True)
    assert tofu.calls == [("apply", Path("env.tfplan"))]
