"""`make deploy ENV=dev` end to end, as a user runs it: the wheel is built, OpenTofu applies
environments/dev on an emulator of its own and the real Kafka broker, and the release lands in
the artifacts bucket. Then what the apply built is inspected with boto3 and the Kafka admin
client, the batch pipeline runs in dev on the deployed buckets, the plan is reviewed and applied
again (no changes), prod is planned but not applied without approval, dev is deployed again on a
restarted (empty) emulator, and `make destroy` removes it. The pipeline's Spark steps run on the
stack's Spark cluster from the released wheel, and give the figures of a local run of the same world.

One deployment serves the whole story (an apply waits about a minute for S3 lifecycle rules to
settle), so the tests run in the order they are written: inspections before the mutations.
Expected values are read here from pyproject.toml, environments/dev/terraform.tfvars,
settings.toml, the dags/ folder and the built wheel, not from the deploy code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3
import pandas as pd
import pyarrow.parquet as pq
import pyspark
import pytest
from botocore.exceptions import ClientError
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from iam_policy import is_allowed, is_allowed_within
from jobs.errors import PlatformError
from jobs.operate.roles import SESSION_SECONDS, STREAM_SESSION_SECONDS
from tofu_runner import EMULATOR_CREDENTIALS, ROOT, Tofu, private_emulator

pytestmark = pytest.mark.integration

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WHEEL = ROOT / "dist" / f"rtdp-{VERSION}-py3-none-any.whl"
# prod shares the test broker with dev here, so its topics get their own prefix.
PROD_PREFIX = f"deploytestprod{os.getpid()}."
DEV_PREFIX = f"deploytest{os.getpid()}."
REPO_DAGS = sorted(path.name for path in (ROOT / "dags").iterdir() if path.is_file() and path.suffix == ".py")
# A hung make fails its test with the output so far, well before pytest's own timeout.
COMMAND_TIMEOUT = 900

DEV = ROOT / "environments" / "dev"
LAYERS = ("raw", "bronze", "silver", "gold")
# What each job family may read and write: the one place the IAM module reads too.
JOB_ACCESS = json.loads((ROOT / "modules" / "iam" / "job_access.json").read_text())
JOB_FAMILIES = tuple(JOB_ACCESS)
EVENT_TOPICS = ("transactions", "inventory_movements")
GITHUB_REPOSITORY = "example-org/rtdp-platform"
HOUR_MS = 3600 * 1000


def _tfvars(path: Path) -> dict[str, object]:
    """The `name = number|bool|"string"` lines of a tfvars file."""
    values: dict[str, object] = {}
    for name, value in re.findall(r'^\s*([a-z_]+)\s*=\s*(\S+)\s*$', path.read_text(), re.MULTILINE):
        if value in ("true", "false"):
            values[name] = value == "true"
        elif value.startswith('"'):
            values[name] = value.strip('"')
        else:
            values[name] = int(value)
    return values


TFVARS = _tfvars(DEV / "terraform.tfvars")
SETTINGS = tomllib.loads((DEV / "settings.toml").read_text())


class User:
    """Runs make and rtdp from the checkout with the environment of one test deployment."""

    def __init__(self, home: Path, endpoint: str, bootstrap_servers: str):
        self.home = home
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("RTDP_", "TF_", "AWS_", "GITHUB_"))}
        self.env.update(EMULATOR_CREDENTIALS, RTDP_HOME=str(home), RTDP_KAFKA__BOOTSTRAP_SERVERS=bootstrap_servers,
                        RTDP_KAFKA__TOPIC_PREFIX=DEV_PREFIX, GITHUB_REPOSITORY=GITHUB_REPOSITORY,
                        RTDP_SPARK__DRIVER_MEMORY="1g", RTDP_SPARK__SHUFFLE_PARTITIONS="2")
        self.use_emulator(endpoint)

    def use_emulator(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.env["RTDP_AWS__ENDPOINT_URL"] = endpoint
        session = boto3.session.Session(*EMULATOR_CREDENTIALS.values(), region_name="us-east-1")
        self.s3 = session.client("s3", endpoint_url=endpoint)
        self.iam = session.client("iam", endpoint_url=endpoint)

    def run(self, *command: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        # A session of its own, so that a timeout stops make and every tofu it started.
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            stdout, stderr = process.communicate()
            raise AssertionError(f"{' '.join(command)} still ran after {COMMAND_TIMEOUT} s:\n{stdout[-5000:]}\n{stderr[-5000:]}") from None
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}")
        return result

    def keys(self, bucket: str, prefix: str = "") -> set[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}


@dataclass
class DeployedDev:
    """The dev environment the first deploy applied, and the clients that inspect it."""

    s3: object
    iam: object
    admin: AdminClient
    tofu: Tofu
    endpoint: str
    topic_prefix: str
    outputs: dict

    def topics(self) -> set[str]:
        names = self.admin.list_topics(timeout=30).topics
        return {name for name in names if name.startswith(self.topic_prefix)}


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


@pytest.fixture(scope="module")
def dev(user, deployed, kafka_bootstrap) -> DeployedDev:
    # The working folder `make deploy` initialised (RTDP_HOME/.state/terraform/<env>/root).
    tofu = Tofu(workdir=DEV, data_dir=user.home / ".state" / "terraform" / "dev" / "root",
                variables={"kafka_bootstrap_servers": kafka_bootstrap, "kafka_topic_prefix": DEV_PREFIX,
                           "github_repository": GITHUB_REPOSITORY},
                endpoint_url=user.endpoint)
    return DeployedDev(user.s3, user.iam, AdminClient({"bootstrap.servers": kafka_bootstrap}), tofu, user.endpoint,
                       DEV_PREFIX, tofu.outputs())


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


def test_location_uris_equal_the_settings_file(dev):
    expected = {key.removesuffix("_uri"): uri for key, uri in SETTINGS["storage"].items()}
    assert dev.outputs["location_uris"] == expected


def test_layer_buckets_exist_versioned_encrypted_and_private(dev):
    expected = {f"rtdp-dev-{layer}" for layer in LAYERS} | {"rtdp-dev-artifacts", "rtdp-dev-airflow"}
    existing = {bucket["Name"] for bucket in dev.s3.list_buckets()["Buckets"]}
    assert expected <= existing
    for bucket in sorted(expected):
        assert dev.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        rules = dev.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", bucket
        block = dev.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}, bucket
        # The TLS-only bucket policy is off against an http:// emulator, which would enforce it.
        with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
            dev.s3.get_bucket_policy(Bucket=bucket)


def test_lifecycle_rules_follow_the_dev_variables(dev):
    rules = {rule["ID"]: rule for rule in dev.s3.get_bucket_lifecycle_configuration(Bucket="rtdp-dev-raw")["Rules"]}
    to_infrequent = rules["infrequent-access-all"]
    assert to_infrequent["Transitions"] == [{"Days": TFVARS["raw_infrequent_access_days"], "StorageClass": "STANDARD_IA"}]
    assert rules["expire-quarantine"]["Filter"]["Prefix"] == "quarantine/"
    assert rules["expire-quarantine"]["Expiration"]["Days"] == TFVARS["quarantine_retention_days"]
    for layer in LAYERS:
        rules = dev.s3.get_bucket_lifecycle_configuration(Bucket=f"rtdp-dev-{layer}")["Rules"]
        noncurrent = next(rule for rule in rules if rule["ID"] == "expire-noncurrent-versions")
        assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == TFVARS["noncurrent_version_expiration_days"]


def test_state_is_kept_in_the_versioned_state_bucket(dev):
    backend = dict(re.findall(r'^(\w+)\s*=\s*"([^"]+)"', (DEV / "backend.hcl").read_text(), re.MULTILINE))
    state = json.loads(dev.s3.get_object(Bucket=backend["bucket"], Key=backend["key"])["Body"].read())
    addresses = {f"{r.get('module', '')}.{r['type']}.{r['name']}" for r in state["resources"]}
    assert "module.platform.module.iam.aws_iam_role.deploy" in addresses
    assert dev.s3.get_bucket_versioning(Bucket=backend["bucket"])["Status"] == "Enabled"


def test_one_role_per_job_family_assumed_by_the_account_that_starts_dev_jobs(dev):
    assert JOB_FAMILIES == ("ingest", "silver", "gold", "ml", "streaming", "warehouse", "reports")
    for family in JOB_FAMILIES:
        role = dev.iam.get_role(RoleName=f"rtdp-dev-{family}")["Role"]
        trust = role["AssumeRolePolicyDocument"]
        assert [statement["Principal"] for statement in trust["Statement"]] == [{"AWS": "arn:aws:iam::123456789012:root"}]
        assert dev.iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == [f"rtdp-dev-{family}-access"]
        # Sessions as long as the family's jobs ask for: the stream job's 12 hours, an hour otherwise.
        assert role["MaxSessionDuration"] == (STREAM_SESSION_SECONDS if family == "streaming" else SESSION_SECONDS)


def test_deploy_role_is_trusted_through_github_oidc_only(dev):
    providers = dev.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    github = [p["Arn"] for p in providers if p["Arn"].endswith("oidc-provider/token.actions.githubusercontent.com")]
    assert len(github) == 1
    trust = dev.iam.get_role(RoleName="rtdp-dev-github-deploy")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": github[0]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = statement["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:sub"] == f"repo:{GITHUB_REPOSITORY}:environment:dev"
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"


def _role_policy(dev: DeployedDev, role: str) -> dict:
    document = dev.iam.get_role_policy(RoleName=role, PolicyName=f"{role}-access")["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


def _boundary(dev: DeployedDev) -> tuple[str, dict]:
    (policy,) = [policy for policy in dev.iam.list_policies(Scope="Local")["Policies"] if policy["PolicyName"] == "rtdp-dev-boundary"]
    version = dev.iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    document = version["Document"]
    return policy["Arn"], json.loads(document) if isinstance(document, str) else document


def test_every_role_of_the_environment_carries_the_boundary_made_by_bootstrap(dev):
    boundary_arn, _ = _boundary(dev)
    roles = [role for page in dev.iam.get_paginator("list_roles").paginate() for role in page["Roles"]
             if role["RoleName"].startswith("rtdp-dev-")]
    expected = {f"rtdp-dev-{family}" for family in JOB_FAMILIES} | {"rtdp-dev-github-deploy", "rtdp-dev-github-plan",
                                                                      "rtdp-dev-airflow-execution"}
    assert {role["RoleName"] for role in roles} == expected
    for role in roles:
        stored = dev.iam.get_role(RoleName=role["RoleName"])["Role"]
        assert stored.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") == boundary_arn, role["RoleName"]


def test_the_deploy_role_manages_bucket_settings_but_never_reads_or_writes_the_lake(dev):
    deploy = _role_policy(dev, "rtdp-dev-github-deploy")
    for action in ("s3:CreateBucket", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:GetBucketPolicy"):
        assert is_allowed(deploy, action, "arn:aws:s3:::rtdp-dev-gold"), action
    assert is_allowed(deploy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-artifacts/releases/1.0.0/rtdp-1.0.0-py3-none-any.whl")
    assert is_allowed(deploy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-airflow/dags/platform_daily_batch.py")
    assert is_allowed(deploy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-tfstate/platform/terraform.tfstate")
    for layer in LAYERS:
        assert not is_allowed(deploy, "s3:GetObject", f"arn:aws:s3:::rtdp-dev-{layer}/{layer}/any.parquet"), layer
        assert not is_allowed(deploy, "s3:PutObject", f"arn:aws:s3:::rtdp-dev-{layer}/{layer}/any.parquet"), layer
    # Dev's buckets are destroyed non-empty (force_destroy): the deploy role may empty them, nothing more.
    assert is_allowed(deploy, "s3:DeleteObjectVersion", "arn:aws:s3:::rtdp-dev-gold/gold/any.parquet")
    for action in ("s3:PutBucketAcl", "s3:PutObjectAcl", "s3:PutBucketReplication", "s3:PutBucketNotification"):
        assert not is_allowed(deploy, action, "arn:aws:s3:::rtdp-dev-gold"), action
    assert not is_allowed(deploy, "s3:PutBucketPolicy", "arn:aws:s3:::rtdp-prod-gold")


def test_the_deploy_role_cannot_reach_beyond_the_boundary_even_by_rewriting_its_own_policy(dev):
    boundary_arn, boundary = _boundary(dev)
    deploy = _role_policy(dev, "rtdp-dev-github-deploy")
    role = "arn:aws:iam::123456789012:role/rtdp-dev-new"
    # It creates roles only with the boundary...
    assert is_allowed_within(deploy, boundary, "iam:CreateRole", role, {"iam:PermissionsBoundary": boundary_arn})
    assert not is_allowed_within(deploy, boundary, "iam:CreateRole", role)
    assert not is_allowed_within(deploy, boundary, "iam:CreateRole", role, {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"})
    # ...and may change its own policy, but whatever it grants itself, the boundary still holds.
    assert is_allowed(deploy, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/rtdp-dev-github-deploy")
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for action, resource in [
        ("iam:DeleteRolePermissionsBoundary", "arn:aws:iam::123456789012:role/rtdp-dev-github-deploy"),
        ("iam:CreatePolicyVersion", boundary_arn), ("iam:SetDefaultPolicyVersion", boundary_arn),
        ("iam:PutRolePermissionsBoundary", "arn:aws:iam::123456789012:role/rtdp-dev-github-deploy"),
        ("iam:CreateRole", role), ("iam:CreateUser", "arn:aws:iam::123456789012:user/escape"),
        ("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/rtdp-prod-github-deploy"),
        ("s3:GetObject", "arn:aws:s3:::rtdp-prod-gold/gold/any.parquet"), ("s3:PutBucketPolicy", "arn:aws:s3:::other-bucket"),
    ]:
        assert not is_allowed_within(everything, boundary, action, resource), action
    assert is_allowed_within(everything, boundary, "s3:GetObject", "arn:aws:s3:::rtdp-dev-gold/gold/any.parquet")


def _stored_policy(dev: DeployedDev, family: str) -> dict:
    return _role_policy(dev, f"rtdp-dev-{family}")


def test_plan_role_reads_the_environment_and_may_only_take_the_state_lock(dev):
    document = dev.iam.get_role_policy(RoleName="rtdp-dev-github-plan", PolicyName="rtdp-dev-github-plan-access")["PolicyDocument"]
    policy = json.loads(document) if isinstance(document, str) else document
    assert is_allowed(policy, "s3:GetObject", "arn:aws:s3:::rtdp-dev-tfstate/platform/terraform.tfstate")
    assert is_allowed(policy, "s3:ListBucket", "arn:aws:s3:::rtdp-dev-gold")
    assert is_allowed(policy, "s3:GetBucketVersioning", "arn:aws:s3:::rtdp-dev-gold")
    assert is_allowed(policy, "s3:GetObject", "arn:aws:s3:::rtdp-dev-artifacts/releases/1.0.0/rtdp-1.0.0-py3-none-any.whl")
    assert not is_allowed(policy, "s3:GetObject", "arn:aws:s3:::rtdp-dev-gold/gold/fact_transaction/part-0.parquet")
    assert is_allowed(policy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-tfstate/platform/terraform.tfstate.tflock")
    assert not is_allowed(policy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-tfstate/platform/terraform.tfstate")
    assert not is_allowed(policy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-artifacts/releases/1.0.0/x.whl")
    assert not is_allowed(policy, "s3:GetBucketVersioning", "arn:aws:s3:::rtdp-prod-gold")
    assert not is_allowed(policy, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/rtdp-dev-gold")
    trust = dev.iam.get_role(RoleName="rtdp-dev-github-plan")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    subjects = statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert sorted(subjects) == sorted([f"repo:{GITHUB_REPOSITORY}:pull_request", f"repo:{GITHUB_REPOSITORY}:ref:refs/heads/main"])


def _location_keys() -> dict[str, tuple[str, str]]:
    """Bucket and key prefix of every location job_access.json names, from settings.toml."""
    locations = {}
    for name, uri in SETTINGS["storage"].items():
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        locations[name.removesuffix("_uri")] = (bucket, f"{prefix}/")
    gold_bucket, gold_prefix = locations["gold"]
    locations["models"] = (gold_bucket, "models/")
    locations["gold/dq_results"] = (gold_bucket, f"{gold_prefix}dq_results/")
    return locations


def _role_client(dev: DeployedDev, family: str):
    """S3 as the job family's role: STS AssumeRole with the administrator's keys, as jobs do."""
    sts = boto3.client("sts", endpoint_url=dev.endpoint, region_name="us-east-1",
                       aws_access_key_id=EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    credentials = sts.assume_role(RoleArn=dev.outputs["job_role_arns"][family], RoleSessionName=f"test-{family}")["Credentials"]
    return boto3.client("s3", endpoint_url=dev.endpoint, region_name="us-east-1", aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])


def _refused(call, **arguments) -> bool:
    """True when the call is refused with AccessDenied, False when it succeeds."""
    try:
        call(**arguments)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied", error
        return True
    return False


def test_the_emulator_enforces_each_job_role_exactly_as_job_access_says(dev):
    locations = _location_keys()
    for name, (bucket, prefix) in locations.items():
        dev.s3.put_object(Bucket=bucket, Key=f"{prefix}probe/seed", Body=b"seed")
    try:
        for family, access in JOB_ACCESS.items():
            s3 = _role_client(dev, family)
            for name, (bucket, prefix) in locations.items():
                # A folder inside a location goes with it (gold/dq_results is in gold).
                writes = any(name == place or name.startswith(f"{place}/") for place in access["writes"])
                reads = writes or any(name == place or name.startswith(f"{place}/") for place in access["reads"])
                key = f"{prefix}probe/{family}"
                assert _refused(s3.get_object, Bucket=bucket, Key=f"{prefix}probe/seed") != reads, (family, name, "read")
                assert _refused(s3.put_object, Bucket=bucket, Key=key, Body=b"x") != writes, (family, name, "write")
                if writes:
                    assert not _refused(s3.delete_objects, Bucket=bucket, Delete={"Objects": [{"Key": key}]})
                else:
                    assert _refused(s3.delete_object, Bucket=bucket, Key=f"{prefix}probe/seed"), (family, name, "delete")
    finally:
        for name, (bucket, prefix) in locations.items():
            for key in dev.s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}probe/").get("Contents", []):
                dev.s3.delete_object(Bucket=bucket, Key=key["Key"])


def test_streaming_may_not_write_raw_nor_ml_silver_and_reports_write_nothing(dev):
    raw_bucket, raw = _location_keys()["raw"]
    silver_bucket, silver = _location_keys()["silver"]
    assert _refused(_role_client(dev, "streaming").put_object, Bucket=raw_bucket, Key=f"{raw}x.csv", Body=b"x")
    assert _refused(_role_client(dev, "ml").put_object, Bucket=silver_bucket, Key=f"{silver}x.parquet", Body=b"x")
    reports = _role_client(dev, "reports")
    for bucket, prefix in _location_keys().values():
        assert _refused(reports.put_object, Bucket=bucket, Key=f"{prefix}x", Body=b"x"), bucket
    # Nor may a job role touch the deployment's own buckets.
    assert _refused(reports.put_object, Bucket="rtdp-dev-artifacts", Key="deployments/dev.json", Body=b"{}")
    assert _refused(reports.get_object, Bucket="rtdp-dev-tfstate", Key="platform/terraform.tfstate")


def test_rendered_policy_outputs_equal_what_iam_stores(dev):
    for family in JOB_FAMILIES:
        assert json.loads(dev.outputs["job_policy_documents"][family]) == _stored_policy(dev, family)


def test_topics_exist_with_the_dev_partitions_and_configs(dev):
    prefix = dev.topic_prefix
    expected = {f"{prefix}{topic}" for topic in EVENT_TOPICS} | {f"{prefix}{topic}.dlq" for topic in EVENT_TOPICS}
    assert dev.topics() == expected
    metadata = dev.admin.list_topics(timeout=30).topics
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in sorted(expected)]
    configs = {resource.name: future.result(timeout=30) for resource, future in dev.admin.describe_configs(resources).items()}
    for name in expected:
        dead_letter = name.endswith(".dlq")
        partitions = metadata[name].partitions
        assert len(partitions) == (1 if dead_letter else TFVARS["kafka_partitions"]), name
        assert all(len(p.replicas) == TFVARS["kafka_replication_factor"] for p in partitions.values()), name
        hours = TFVARS["kafka_dlq_retention_hours"] if dead_letter else TFVARS["kafka_retention_hours"]
        assert configs[name]["retention.ms"].value == str(hours * HOUR_MS), name
        assert configs[name]["cleanup.policy"].value == "delete", name
        assert configs[name]["min.insync.replicas"].value == str(TFVARS["kafka_min_insync_replicas"]), name


def test_non_loopback_endpoint_and_mwaa_on_the_emulator_are_refused(dev):
    # The emulator stays the backend; only the provider endpoint variable points elsewhere.
    outside = Tofu(workdir=dev.tofu.workdir, data_dir=dev.tofu.data_dir,
                   variables={**dev.tofu.variables, "aws_endpoint_url": "http://10.20.30.40:4566"},
                   endpoint_url=dev.endpoint)
    result = outside.run("plan", "-no-color", "-lock=false", check=False)
    assert result.returncode != 0
    assert "must be a loopback address" in " ".join(result.stderr.split())
    # -var, because terraform.tfvars outranks TF_VAR_ variables.
    result = dev.tofu.run("plan", "-no-color", "-lock=false", "-var=enable_mwaa=true", check=False)
    assert result.returncode != 0
    assert "MWAA exists only on real AWS" in " ".join(result.stderr.split())
    with pytest.raises(PlatformError, match="not a loopback address"):
        Tofu(workdir=DEV, data_dir=dev.tofu.data_dir, endpoint_url="http://192.0.2.1:4566").apply()


def test_a_held_state_lock_blocks_a_second_writer(dev):
    backend = dict(re.findall(r'^(\w+)\s*=\s*"([^"]+)"', (DEV / "backend.hcl").read_text(), re.MULTILINE))
    lock_key = backend["key"] + ".tflock"
    # What another run's lock object looks like while it applies.
    holder = {"ID": "held-by-test", "Operation": "OperationTypeApply", "Who": "someone@elsewhere", "Version": "1.10.10",
              "Created": "2026-01-01T00:00:00Z", "Path": f"{backend['bucket']}/{backend['key']}"}
    dev.s3.put_object(Bucket=backend["bucket"], Key=lock_key, Body=json.dumps(holder).encode())
    try:
        blocked = dev.tofu.run("plan", "-no-color", "-lock-timeout=1s", check=False)
    finally:
        dev.s3.delete_object(Bucket=backend["bucket"], Key=lock_key)
    assert blocked.returncode != 0
    assert "Error acquiring the state lock" in blocked.stderr and "held-by-test" in blocked.stderr
    assert dev.tofu.run("plan", "-no-color", "-detailed-exitcode", check=False).returncode == 0


def test_the_batch_pipeline_runs_on_the_cluster_from_the_released_wheel_and_matches_local(user, deployed, tmp_path):
    world = ("--scale", "1500", "--seed", "5", "--now", "2026-07-01", "--skip-ml")
    ran = " ".join(user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "run", "--env", "dev", *world).stdout.split())
    gold = user.keys("rtdp-dev-gold", "gold/_publications/")
    assert "gold/_publications/current.json" in gold
    assert any("/fact_transaction/" in key and key.endswith(".parquet") for key in gold)
    # The bucket is Terraform's (versioned, encrypted), not one a job made up on the way.
    assert user.s3.get_bucket_versioning(Bucket="rtdp-dev-gold")["Status"] == "Enabled"
    extracts = sorted(key for key in user.keys("rtdp-dev-raw", "raw/transactions/") if key.endswith(".csv"))
    assert len(extracts) == 15  # the full extract and two weeks of daily change files
    rows = [user.s3.get_object(Bucket="rtdp-dev-raw", Key=key)["Body"].read().decode().count("\n") - 1 for key in extracts]
    assert sum(rows) == 1500

    # On the stack's cluster, one application per step under a readable name and the step's own
    # role, with the code of the wheel deploy released.
    cluster = SETTINGS["spark"]["cluster"]
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster['ui_port']}/json/", timeout=10) as response:
        applications = json.load(response)["completedapps"]
    deployment = json.loads(user.s3.get_object(Bucket="rtdp-dev-artifacts", Key="deployments/dev.json")["Body"].read())
    for step, family in (("bronze", "ingest"), ("silver", "silver"), ("gold", "gold")):
        name = f"rtdp dev · pipeline {step} · {VERSION}"
        assert any(application["name"] == name and application["state"] == "FINISHED" for application in applications), name
        said = re.search(rf"ran release {VERSION} on spark://127.0.0.1:{cluster['master_port']} as rtdp-dev-{family} "
                         r"\(log: (\S+)\)", ran)
        assert said, (step, ran)
        job_log = Path(said.group(1)).read_text()
        assert f"/releases/{VERSION}-{deployment['sha256'][:12]}/site/jobs/operate/entry.py" in job_log.splitlines()[0]

    # The same world run in-process in local gives the same figures.
    local_home = tmp_path / "local"
    user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "run", "--env", "local", *world, RTDP_HOME=str(local_home))
    for report in ("01_revenue_trends", "02_inventory_health", "03_customer_behaviour", "04_product_performance",
                   "05_account_activity", "06_realtime_monitoring"):
        on_cluster = pd.read_csv(user.home / "data" / "dev" / "reports" / f"{report}.csv")
        assert len(on_cluster) > 0, report
        pd.testing.assert_frame_equal(on_cluster, pd.read_csv(local_home / "data" / "reports" / f"{report}.csv"), obj=report)


CLUSTER = SETTINGS["spark"]["cluster"]
RTDP = str(ROOT / ".venv" / "bin" / "rtdp")
POINTER = "gold/_publications/current.json"


def _applications() -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{CLUSTER['ui_port']}/json/", timeout=10) as response:
        return json.load(response)["activeapps"]


def _wait_until(condition, what: str, timeout: float = 300.0) -> None:
    # Generous: only a failure waits it out, and a busy CI machine starts cluster jobs slowly.
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {timeout:.0f} s"
        time.sleep(0.5)


def _running(name: str) -> bool:
    return any(app["name"] == name and app["state"] == "RUNNING" for app in _applications())


def test_a_job_finding_no_free_worker_stops_with_one_line_and_leaves_gold_as_it_was(user, deployed, tmp_path):
    pointer = user.s3.get_object(Bucket="rtdp-dev-gold", Key=POINTER)["Body"].read()
    # Another application takes every core of the cluster (Spark gives an application all it can).
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import time\nfrom pyspark.sql import SparkSession\nSparkSession.builder.getOrCreate()\ntime.sleep(300)\n")
    spark_home = Path(pyspark.__file__).parent
    blocker = subprocess.Popen([str(spark_home / "bin" / "spark-submit"), "--master", f"spark://127.0.0.1:{CLUSTER['master_port']}",
                                "--name", "blocker", "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memory=512m",
                                str(sleeper)], env={**user.env, "SPARK_HOME": str(spark_home), "PYSPARK_PYTHON": sys.executable},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until(lambda: _running("blocker"), "the blocker to hold the cluster")
        result = user.run(RTDP, "gold", "--env", "dev", check=False, RTDP_SPARK__CLUSTER__CORE_WAIT_SECONDS="5")
    finally:
        os.killpg(blocker.pid, signal.SIGKILL)
        blocker.wait()
    assert result.returncode == 1
    name = f"rtdp dev · pipeline gold · {VERSION}"
    assert result.stderr.startswith(f"error: no free worker for {name} on spark://127.0.0.1:{CLUSTER['master_port']} within 5 s: "
                                    "its cores are held by 'blocker' (")
    assert len(result.stderr.strip().splitlines()) == 1
    assert user.s3.get_object(Bucket="rtdp-dev-gold", Key=POINTER)["Body"].read() == pointer
    _wait_until(lambda: not any(app["name"] == name for app in _applications()), "the stopped job to leave the cluster")


def test_a_driver_killed_mid_run_leaves_gold_as_it_was_and_a_rerun_publishes(user, deployed):
    pointer = user.s3.get_object(Bucket="rtdp-dev-gold", Key=POINTER)["Body"].read()
    folders_before = {key.split("/")[2] for key in user.keys("rtdp-dev-gold", "gold/_publications/")}
    job = subprocess.Popen([RTDP, "gold", "--env", "dev"], cwd=ROOT, env=user.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # Kill the driver once the run has started writing its own publication folder.
        _wait_until(lambda: {key.split("/")[2] for key in user.keys("rtdp-dev-gold", "gold/_publications/")} - folders_before,
                    "the gold run to write")
        drivers = subprocess.run(["pgrep", "-f", "org.apache.spark.deploy.SparkSubmit .*pipeline gold"], capture_output=True,
                                 text=True, check=True).stdout.split()
        assert len(drivers) == 1, drivers
        os.kill(int(drivers[0]), signal.SIGKILL)
        _, stderr = job.communicate(timeout=120)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    assert job.returncode == 1
    assert len(stderr.strip().splitlines()) == 1 and "pipeline gold" in stderr and "(killed by signal 9)" in stderr, stderr
    # Readers still see the gold of the run before, whole.
    assert user.s3.get_object(Bucket="rtdp-dev-gold", Key=POINTER)["Body"].read() == pointer
    for folder in json.loads(pointer)["tables"].values():
        assert user.keys("rtdp-dev-gold", f"gold/_publications/{folder}/"), folder
    user.run(RTDP, "gold", "--env", "dev")
    assert user.s3.get_object(Bucket="rtdp-dev-gold", Key=POINTER)["Body"].read() != pointer


def _silver_stream_rows(user: User) -> int:
    """Rows in the silver of the transactions stream (finished micro-batches' files)."""
    # A micro-batch writes under hidden folders (`_temporary/`, `.spark-staging-*/`) and renames its
    # files out when it commits; like Spark's readers, count only files outside them.
    keys = [key for key in user.keys("rtdp-dev-silver", "silver/stream_transactions/")
            if key.endswith(".parquet") and not any(part.startswith(("_", ".")) for part in key.split("/"))]
    return sum(pq.read_metadata(io.BytesIO(user.s3.get_object(Bucket="rtdp-dev-silver", Key=key)["Body"].read())).num_rows
               for key in keys)


def test_a_live_segment_streams_on_the_cluster_under_the_streaming_role(user, deployed):
    before = _silver_stream_rows(user)
    said = " ".join(user.run(RTDP, "stream", "demo", "--env", "dev", "--events", "150", "--rate", "300").stdout.split())
    assert re.search(rf"ran release {VERSION} on spark://127.0.0.1:{CLUSTER['master_port']} as rtdp-dev-streaming "
                     r"\(log: \S+\)", said), said
    assert re.search(r"sent 150 events at [\d,]+/s; 150 in silver and gold after [\d.]+ s", said), said
    assert _silver_stream_rows(user) == before + 150
    with urllib.request.urlopen(f"http://127.0.0.1:{CLUSTER['ui_port']}/json/", timeout=10) as response:
        finished = json.load(response)["completedapps"]
    assert any(app["name"] == f"rtdp dev · stream live segment · {VERSION}" and app["state"] == "FINISHED" for app in finished)


def test_the_stream_job_runs_the_release_on_the_cluster_under_the_streaming_role(user, deployed):
    # After the batch run above: silver holds the accounts and products the new events name.
    before = _silver_stream_rows(user)
    started = user.run(RTDP, "stream", "start", "--env", "dev", "--topic", "transactions", "--trigger-seconds", "1",
                       "--timeout", "300")
    said = " ".join(started.stdout.split())
    name = f"rtdp dev · stream · {VERSION}"
    try:
        assert f"from release {VERSION} on spark://127.0.0.1:{CLUSTER['master_port']} as rtdp-dev-streaming" in said, said
        _wait_until(lambda: _running(name), "the stream's application on the cluster")
        assert [app["cores"] for app in _applications() if app["name"] == name] == [1]
        user.run(RTDP, "stream", "produce", "--env", "dev", "--count", "200", "--seed", "3")
        _wait_until(lambda: _silver_stream_rows(user) >= before + 200, "200 events in silver")
        assert _silver_stream_rows(user) == before + 200
        # The job's code is the deployed wheel's, not the checkout's.
        deployment = json.loads(user.s3.get_object(Bucket="rtdp-dev-artifacts", Key="deployments/dev.json")["Body"].read())
        job_log = Path(re.search(r"; log (\S+)", said).group(1)).read_text()
        assert (f"/releases/{VERSION}-{deployment['sha256'][:12]}/site/jobs "
                f"on spark://127.0.0.1:{CLUSTER['master_port']} as {name}") in job_log, job_log[-3000:]
    finally:
        stopped = user.run(RTDP, "stream", "stop", "--env", "dev")
    assert "stopped" in stopped.stdout
    _wait_until(lambda: not any(app["name"] == name for app in _applications()), "the stream to leave the cluster", 60)


def test_a_deployed_version_missing_from_the_bucket_stops_a_job_with_one_line(user, deployed):
    key = "deployments/dev.json"
    record = user.s3.get_object(Bucket="rtdp-dev-artifacts", Key=key)["Body"].read()
    user.s3.put_object(Bucket="rtdp-dev-artifacts", Key=key, Body=json.dumps({**json.loads(record), "version": "9.9.9"}))
    try:
        result = user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "bronze", "--env", "dev", check=False)
    finally:
        user.s3.put_object(Bucket="rtdp-dev-artifacts", Key=key, Body=record)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: release 9.9.9 not found in s3://rtdp-dev-artifacts/releases/"


def test_deploying_the_same_version_again_with_its_reviewed_plan_changes_nothing(user, deployed):
    planned = " ".join(user.run("make", "plan", "ENV=dev").stdout.split())
    assert "dev: 0 to add, 0 to change, 0 to destroy" in planned
    plan_file = Path(user.env["RTDP_HOME"]) / ".state" / "plans" / "dev.tfplan"
    # Where the plan file cannot travel (CI jobs), a new plan is applied only with the reviewed digest.
    digest = plan_file.with_suffix(".digest").read_text().strip()
    assert f"Plan digest: `{digest}`" in plan_file.with_suffix(".review.md").read_text()
    other = "sha256:" + "0" * 64
    refused = user.run("make", "deploy", "ENV=dev", f"DIGEST={other}", check=False)
    assert refused.returncode != 0
    assert f"dev is not what was reviewed: the plan now has digest {digest}, the reviewed one {other}" in " ".join(refused.stderr.split())
    again = " ".join(user.run("make", "deploy", "ENV=dev", f"DIGEST={digest}").stdout.split())
    assert "dev: 0 to add, 0 to change, 0 to destroy" in again
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
    # prod's plan role trusts main only: pull requests never get to read prod's state.
    assert f"repo:{GITHUB_REPOSITORY}:ref:refs/heads/main" in text and ":pull_request" not in text


def test_prod_is_not_applied_without_approval_nor_from_a_plan_nobody_reviewed(user, deployed):
    plan_file = Path(user.env["RTDP_HOME"]) / ".state" / "plans" / "prod.tfplan"
    result = user.run("make", "deploy", "ENV=prod", f"WHEEL={WHEEL}", f"PLAN={plan_file}", check=False,
                      RTDP_KAFKA__TOPIC_PREFIX=PROD_PREFIX)
    assert result.returncode != 0
    assert "prod changes only with approval" in " ".join(result.stderr.split())
    unreviewed = user.run("make", "deploy", "ENV=prod", f"WHEEL={WHEEL}", "APPROVE=1", check=False,
                          RTDP_KAFKA__TOPIC_PREFIX=PROD_PREFIX)
    assert unreviewed.returncode != 0
    assert "error: prod applies only a reviewed plan: run `make plan ENV=prod`" in " ".join(unreviewed.stderr.split())
    assert "rtdp-prod-gold" not in {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"]}


def test_after_an_emulator_restart_deploy_rebuilds_dev_and_adopts_the_topics_kafka_kept(user, deployed):
    # The emulator keeps buckets (and so the Terraform state) in memory; Kafka keeps its topics.
    user.use_emulator(user.after_restart)
    output = " ".join(user.run("make", "deploy", "ENV=dev").stdout.split())
    prefix = DEV_PREFIX
    for topic in ("transactions", "inventory_movements", "transactions.dlq", "inventory_movements.dlq"):
        assert f"adopted topic {prefix}{topic}" in output
    buckets = {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"]}
    assert {"rtdp-dev-raw", "rtdp-dev-gold", "rtdp-dev-artifacts", "rtdp-dev-tfstate"} <= buckets
    assert user.run(str(ROOT / ".venv" / "bin" / "rtdp"), "infra", "deployed", "--env", "dev").stdout.strip() == VERSION


def test_destroy_removes_the_environment_but_keeps_its_state_bucket(user, dev):
    user.run("make", "destroy", "ENV=dev")
    left = {bucket["Name"] for bucket in user.s3.list_buckets()["Buckets"] if bucket["Name"].startswith("rtdp-dev-")}
    assert left == {"rtdp-dev-tfstate"}
    for family in JOB_FAMILIES:
        with pytest.raises(ClientError):
            user.iam.get_role(RoleName=f"rtdp-dev-{family}")
    assert dev.topics() == set()
