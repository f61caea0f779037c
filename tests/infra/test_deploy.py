"""`make deploy ENV=dev` end to end, as a user runs it: the wheel is built, OpenTofu applies
environments/dev on an emulator of its own and the real Kafka broker, the release lands in the
artifacts bucket, and the batch pipeline then runs in dev on the deployed buckets. Then the
prod plan review, a second (empty) deploy and `make destroy`.

Expected values are read here from pyproject.toml, the dags/ folder and the built wheel, not
from the deploy code.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tomllib
from pathlib import Path

import boto3
import pytest

from tofu_runner import EMULATOR_CREDENTIALS, ROOT, private_emulator

pytestmark = pytest.mark.integration

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WHEEL = ROOT / "dist" / f"rtdp-{VERSION}-py3-none-any.whl"
# prod shares the test broker with dev here, so its topics get their own prefix.
PROD_PREFIX = f"deploytestprod{os.getpid()}."
REPO_DAGS = sorted(path.name for path in (ROOT / "dags").iterdir() if path.is_file() and path.suffix == ".py")


class User:
    """Runs make and rtdp from the checkout with the environment of one test deployment."""

    def __init__(self, home, endpoint: str, bootstrap_servers: str):
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("RTDP_", "TF_", "AWS_", "GITHUB_"))}
        self.env.update(EMULATOR_CREDENTIALS, RTDP_HOME=str(home), RTDP_KAFKA__BOOTSTRAP_SERVERS=bootstrap_servers,
                        RTDP_KAFKA__TOPIC_PREFIX=f"deploytest{os.getpid()}.",
                        RTDP_SPARK__DRIVER_MEMORY="1g", RTDP_SPARK__SHUFFLE_PARTITIONS="2")
        self.use_emulator(endpoint)

    def use_emulator(self, endpoint: str) -> None:
        self.env["RTDP_AWS__ENDPOINT_URL"] = endpoint
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                               aws_access_key_id="testing", aws_secret_access_key="testing")

    def run(self, *command: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(command, check=False, cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True,
                                timeout=3600)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}")
        return result

    def keys(self, bucket: str, prefix: str = "") -> set[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}


@pytest.fixture(scope="module")
def user(tmp_path_factory, kafka_bootstrap, toolchain):
    with private_emulator() as endpoint, private_emulator() as after_restart:
        user = User(tmp_path_factory.mktemp("deploy-home"), endpoint, kafka_bootstrap)
        user.after_restart = after_restart  # a second, empty emulator: what a restarted one looks like
        yield user


@pytest.fixture(scope="module")
def deployed(user):
    """The output of the first `make deploy ENV=dev`."""
    return user.run("make", "deploy", "ENV=dev").stdout


def test_the_wheel_of_this_version_is_released_with_its_sql_and_dags(user, deployed):
    release = f"releases/{VERSION}/"
    keys = user.keys("rtdp-dev-artifacts", release)
    assert release + WHEEL.name in keys
    stored = user.s3.get_object(Bucket="rtdp-dev-artifacts", Key=release + WHEEL.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(WHEEL.read_bytes()).hexdigest()
    repo_sql = {str(path.relative_to(ROOT)) for path in (ROOT / "sql").rglob("*.sql")}
    assert {key.removeprefix(release) for key in keys if key.endswith(".sql")} == repo_sql
    assert sorted(key.removeprefix("dags/") for key in user.keys("rtdp-dev-airflow", "dags/") if key.endswith(".py")) == REPO_DAGS


def test_the_deployed_version_is_recorded_and_readable(user, deployed):
    assert user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "infra", "deployed", "--env", "dev").stdout.strip() == VERSION
    assert f"deployed version of dev: {VERSION}" in " ".join(deployed.split())


def test_the_batch_pipeline_runs_in_dev_on_the_deployed_buckets(user, deployed):
    user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "run", "--env", "dev", "--scale", "1500", "--seed", "5", "--skip-ml")
    gold = user.keys("rtdp-dev-gold", "gold/fact_transaction/")
    assert any(key.endswith(".parquet") for key in gold)
    # The bucket is Terraform's (versioned, encrypted), not one a job made up on the way.
    assert user.s3.get_bucket_versioning(Bucket="rtdp-dev-gold")["Status"] == "Enabled"
    raw = user.s3.get_object(Bucket="rtdp-dev-raw", Key="raw/transactions.csv")["Body"].read().decode()
    assert len(raw.strip().splitlines()) - 1 == 1500


def test_deploying_the_same_version_again_with_its_reviewed_plan_changes_nothing(user, deployed):
    planned = " ".join(user.run("make", "plan", "ENV=dev").stdout.split())
    assert "dev: 0 to add, 0 to change, 0 to destroy" in planned
    plan_file = Path(user.env["RTDP_HOME"]) / ".state" / "plans" / "dev.tfplan"
    again = " ".join(user.run("make", "deploy", "ENV=dev", f"PLAN={plan_file}").stdout.split())
    assert "dev: 0 to add, 0 to change, 0 to destroy" in again
    assert "already released" in again


def test_the_prod_plan_review_agrees_with_tofu_and_lists_access_changes(user, deployed):
    result = user.run("make", "plan", "ENV=prod", RTDP_KAFKA__TOPIC_PREFIX=PROD_PREFIX)
    plans = Path(user.env["RTDP_HOME"]) / ".state" / "plans"
    text = (plans / "prod.txt").read_text()
    added, changed, destroyed = map(int, re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", text).groups())
    review = (plans / "prod.review.md").read_text()
    assert f"prod: {added} to add, {changed} to change, {destroyed} to destroy" in review
    assert added > 0 and destroyed == 0
    access = review[review.index("Access changes"):review.index("All changes")]
    assert "aws_iam_role.deploy" in access and "aws_iam_role_policy.plan" in access
    assert "rtdp-prod-tfstate" in {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"]}
    assert "prod:" in " ".join(result.stdout.split())


def test_prod_is_not_applied_without_approval(user, deployed):
    result = user.run("make", "deploy", "ENV=prod", f"WHEEL={WHEEL}", check=False, RTDP_KAFKA__TOPIC_PREFIX=PROD_PREFIX)
    assert result.returncode != 0
    assert "prod changes only with approval" in " ".join(result.stderr.split())
    assert "rtdp-prod-gold" not in {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"]}


def test_after_an_emulator_restart_deploy_rebuilds_dev_and_adopts_the_topics_kafka_kept(user, deployed):
    # The emulator keeps buckets (and so the Terraform state) in memory; Kafka keeps its topics.
    user.use_emulator(user.after_restart)
    output = " ".join(user.run("make", "deploy", "ENV=dev").stdout.split())
    prefix = user.env["RTDP_KAFKA__TOPIC_PREFIX"]
    for topic in ("transactions", "inventory_movements", "transactions.dlq", "inventory_movements.dlq"):
        assert f"adopted topic {prefix}{topic}" in output
    buckets = {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"]}
    assert {"rtdp-dev-raw", "rtdp-dev-gold", "rtdp-dev-artifacts", "rtdp-dev-tfstate"} <= buckets
    assert user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "infra", "deployed", "--env", "dev").stdout.strip() == VERSION


def test_destroy_removes_the_environment_but_keeps_its_state_bucket(user, deployed):
    user.run("make", "destroy", "ENV=dev")
    left = {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"] if bucket["Name"].startswith("rtdp-dev-")}
    assert left == {"rtdp-dev-tfstate"}
