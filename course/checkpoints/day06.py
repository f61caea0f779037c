"""Day 6: a bucket setting through a Terraform module variable, read in the plan.

The check copies the checkout's `modules/` and `environments/` into a scratch folder, keeps the
state there (a local backend instead of the state bucket), and plans dev and prod with the
real OpenTofu of `make tools` against an S3 emulator of its own on a free loopback port; the
Kafka provider is pointed at a closed port, since planning new topics asks no broker. Then it
reads the plans as JSON. Nothing is applied and the local stack is not needed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from course.grading import Criterion, NotYet, Workspace
from jobs.operate.deploy.tofu import tofu_binary, tools_dir

VARIABLE = "bronze_infrequent_access_days"
BRONZE_LIFECYCLE = 'module.platform.module.storage.module.layer["bronze"].aws_s3_bucket_lifecycle_configuration.this'
EXPECTED_DAYS = {"dev": 30, "prod": 90}
CLOSED_PORT = "127.0.0.1:1"


def _tree(workspace: Workspace) -> Path:
    """The learner's Terraform, copied once per grading, with a local backend per environment."""
    tree = workspace.scratch / "terraform"
    if not tree.is_dir():
        shutil.copytree(workspace.root / "modules", tree / "modules")
        for environment in EXPECTED_DAYS:
            target = tree / "environments" / environment
            shutil.copytree(workspace.root / "environments" / environment, target)
            (target / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    return tree


def _tofu(folder: Path, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("TF_", "AWS_"))}
    environment.update(
        TF_CLI_CONFIG_FILE=str(tools_dir() / "tofu.rc"), TF_DATA_DIR=str(folder / ".terraform"), TF_IN_AUTOMATION="1",
        TF_INPUT="0", AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="emulator", AWS_SECRET_ACCESS_KEY="emulator",
        TF_VAR_aws_endpoint_url=endpoint, TF_VAR_kafka_bootstrap_servers=CLOSED_PORT,
        TF_VAR_github_repository="local/rtdp",
    )
    return subprocess.run([str(tofu_binary()), args[0], "-no-color", *args[1:]], cwd=folder, env=environment,
                          capture_output=True, text=True, check=False)


def _first_error(said: str) -> str:
    lines = [line.strip(" │╷╵") for line in said.splitlines() if line.strip(" │╷╵")]
    return next((line for line in lines if line.startswith("Error:")), lines[-1] if lines else "no output")


class PlanFailed(NotYet):
    """A tofu command failed; `said` is all it printed."""

    def __init__(self, message: str, said: str) -> None:
        super().__init__(message)
        self.said = said


def _plan(workspace: Workspace, environment: str, tfvars: str | None = None) -> dict:
    """The plan of `environment` as `tofu show -json` gives it; `tfvars` replaces its terraform.tfvars."""
    from moto.server import ThreadedMotoServer

    folder = _tree(workspace) / "environments" / environment
    if tfvars is not None:
        (folder / "terraform.tfvars").write_text(tfvars)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
        for args in (("init", "-input=false"), ("plan", "-input=false", "-out=check.tfplan")):
            done = _tofu(folder, endpoint, *args)
            if done.returncode:
                said = done.stderr or done.stdout
                raise PlanFailed(f"tofu {args[0]} of {environment} failed: {_first_error(said)}", said)
        return json.loads(_tofu(folder, endpoint, "show", "-json", "check.tfplan").stdout)
    finally:
        server.stop()


def _planned(plan: dict) -> dict[str, dict]:
    return {change["address"]: change["change"]["after"] for change in plan.get("resource_changes", [])}


def _transitions(plan: dict) -> list[tuple[str, int, str]]:
    """(prefix, days, storage class) of every transition the plan gives the bronze bucket."""
    bronze = _planned(plan).get(BRONZE_LIFECYCLE)
    if bronze is None:
        raise NotYet("the plan has no lifecycle configuration for the bronze bucket")
    found = []
    for rule in bronze.get("rule") or []:
        prefix = next((item.get("prefix") or "" for item in rule.get("filter") or []), rule.get("prefix") or "")
        found += [(prefix, item.get("days"), item.get("storage_class")) for item in rule.get("transition") or []]
    return found


def _tfvars(workspace: Workspace, environment: str) -> str:
    return (workspace.root / "environments" / environment / "terraform.tfvars").read_text()


def _without_variable(text: str) -> str:
    return re.sub(rf"^\s*{VARIABLE}\s*=.*$", "", text, flags=re.MULTILINE)


def _environments_move_bronze(workspace: Workspace) -> None:
    for environment, days in EXPECTED_DAYS.items():
        transitions = _transitions(_plan(workspace, environment, _tfvars(workspace, environment)))
        if transitions != [("", days, "STANDARD_IA")]:
            shown = ", ".join(f"{prefix or 'the whole bucket'} to {cls} after {n} days" for prefix, n, cls in transitions)
            raise NotYet(f"the {environment} plan moves bronze: {shown or 'nowhere'}; the exercise asks for the whole "
                         f"bucket to STANDARD_IA after {days} days")


def _only_bronze_changes(workspace: Workspace) -> None:
    for environment in EXPECTED_DAYS:
        with_it = _planned(_plan(workspace, environment, _tfvars(workspace, environment)))
        without = _plan(workspace, environment, _without_variable(_tfvars(workspace, environment)))
        if _transitions(without):
            raise NotYet(f"with {VARIABLE} left out of {environment}'s terraform.tfvars, bronze still moves to "
                         "STANDARD_IA: unset must mean no transition")
        changed = sorted(address for address in with_it.keys() | _planned(without).keys()
                         if with_it.get(address) != _planned(without).get(address))
        if changed != [BRONZE_LIFECYCLE]:
            others = [address for address in changed if address != BRONZE_LIFECYCLE]
            raise NotYet(f"setting {VARIABLE} in {environment} also changes {len(others)} other resource(s), e.g. "
                         f"{others[0] if others else 'none'}")


def _too_few_days_refused(workspace: Workspace) -> None:
    tfvars = _without_variable(_tfvars(workspace, "dev")) + f"\n{VARIABLE} = 20\n"
    try:
        _plan(workspace, "dev", tfvars)
    except PlanFailed as refused:
        if "Invalid value for variable" in refused.said and VARIABLE in refused.said:
            return
        raise NotYet(f"a plan with 20 days was refused, but no error names {VARIABLE} ({refused}): a module further "
                     "down caught it, and the message should tell the reader which variable to fix") from None
    raise NotYet(f"a plan with {VARIABLE} = 20 was accepted; S3 moves objects to STANDARD_IA after 30 days at the "
                 "earliest, so apply would fail")


CRITERIA = (
    Criterion("dev's plan moves the whole bronze bucket to STANDARD_IA after 30 days, prod's after 90",
              "Step 4: the variable, from the module to each environment", _environments_move_bronze),
    Criterion("left unset, the variable changes nothing; set, it changes bronze's lifecycle rules and nothing else",
              "Step 5: read the plan", _only_bronze_changes),
    Criterion("fewer than 30 days is refused at plan time by a validation of the variable",
              "Step 4: the variable, from the module to each environment", _too_few_days_refused),
)
