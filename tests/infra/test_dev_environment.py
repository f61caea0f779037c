"""environments/dev applied for real: OpenTofu with the AWS provider against a private moto
server and the Kafka provider against the local stack's broker, then inspected with boto3 and
the Kafka admin client, planned again (no changes) and destroyed.

Expected values come from environments/dev/terraform.tfvars and settings.toml, read here
with plain Python, not from the Terraform outputs under test.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from iam_policy import is_allowed
from jobs.errors import PlatformError
from tofu_runner import ROOT, Tofu, emulator_backend_config

pytestmark = pytest.mark.integration

DEV = ROOT / "environments" / "dev"
LAYERS = ("raw", "bronze", "silver", "gold")
JOB_FAMILIES = ("ingestion", "streaming", "batch", "ml", "reporting")
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


class DevStack:
    """The applied dev environment and the clients that inspect it."""

    def __init__(self, bootstrap: Tofu, dev: Tofu, endpoint: str, bootstrap_servers: str, topic_prefix: str):
        self.bootstrap, self.dev, self.endpoint = bootstrap, dev, endpoint
        self.bootstrap_servers, self.topic_prefix = bootstrap_servers, topic_prefix
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        self.s3 = session.client("s3", endpoint_url=endpoint)
        self.iam = session.client("iam", endpoint_url=endpoint)
        self.admin = AdminClient({"bootstrap.servers": bootstrap_servers})
        self.destroyed = False
        self.timings: dict[str, float] = {}
        self.outputs: dict = {}

    def topics(self) -> set[str]:
        names = self.admin.list_topics(timeout=30).topics
        return {name for name in names if name.startswith(self.topic_prefix)}

    def destroy(self) -> None:
        if not self.destroyed:
            self.timings["destroy"] = self.dev.destroy().seconds
            self.destroyed = True


@pytest.fixture(scope="module")
def dev_stack(config_tree, emulator_endpoint, kafka_bootstrap, tmp_path_factory):
    """Bootstrap the state bucket, apply environments/dev, yield it; destroy both at the end."""
    work = tmp_path_factory.mktemp("dev-apply")
    # Topics get a run-specific prefix so the shared broker's own topics are never touched.
    topic_prefix = f"tftest{os.getpid()}."
    bootstrap = Tofu(
        workdir=config_tree / "infra" / "bootstrap",
        data_dir=work / "bootstrap-data",
        variables={"environment": "dev", "force_destroy": "true"},
        endpoint_url=emulator_endpoint,
    )
    bootstrap.init(f"path={work / 'bootstrap-dev.tfstate'}")
    bootstrap.apply()

    dev = Tofu(
        workdir=config_tree / "environments" / "dev",
        data_dir=work / "dev-data",
        variables={
            "kafka_bootstrap_servers": kafka_bootstrap,
            "kafka_topic_prefix": topic_prefix,
            "github_repository": GITHUB_REPOSITORY,
        },
        endpoint_url=emulator_endpoint,
    )
    dev.init("backend.hcl", *emulator_backend_config(emulator_endpoint))
    stack = DevStack(bootstrap, dev, emulator_endpoint, kafka_bootstrap, topic_prefix)
    stack.timings["apply"] = dev.apply().seconds
    stack.outputs = dev.outputs()
    yield stack
    stack.destroy()
    # The state bucket is left to die with the private emulator: moto fails to delete keys whose
    # versions include delete markers, which every released lock leaves behind.
    print(f"\ndev environment timings (s): {json.dumps({k: round(v, 1) for k, v in stack.timings.items()})}")


def test_location_uris_equal_the_settings_file(dev_stack):
    expected = {key.removesuffix("_uri"): uri for key, uri in SETTINGS["storage"].items()}
    assert dev_stack.outputs["location_uris"] == expected


def test_layer_buckets_exist_versioned_encrypted_and_private(dev_stack):
    expected = {f"rtdp-dev-{layer}" for layer in LAYERS} | {"rtdp-dev-artifacts", "rtdp-dev-airflow"}
    existing = {bucket["Name"] for bucket in dev_stack.s3.list_buckets()["Buckets"]}
    assert expected <= existing
    for bucket in sorted(expected):
        assert dev_stack.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        rules = dev_stack.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", bucket
        block = dev_stack.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}, bucket
        # The TLS-only bucket policy is off against an http:// emulator, which would enforce it.
        with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
            dev_stack.s3.get_bucket_policy(Bucket=bucket)


def test_lifecycle_rules_follow_the_dev_variables(dev_stack):
    rules = {rule["ID"]: rule for rule in dev_stack.s3.get_bucket_lifecycle_configuration(Bucket="rtdp-dev-raw")["Rules"]}
    to_infrequent = rules["infrequent-access-all"]
    assert to_infrequent["Transitions"] == [{"Days": TFVARS["raw_infrequent_access_days"], "StorageClass": "STANDARD_IA"}]
    assert rules["expire-quarantine"]["Filter"]["Prefix"] == "quarantine/"
    assert rules["expire-quarantine"]["Expiration"]["Days"] == TFVARS["quarantine_retention_days"]
    for layer in LAYERS:
        rules = dev_stack.s3.get_bucket_lifecycle_configuration(Bucket=f"rtdp-dev-{layer}")["Rules"]
        noncurrent = next(rule for rule in rules if rule["ID"] == "expire-noncurrent-versions")
        assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == TFVARS["noncurrent_version_expiration_days"]


def test_state_is_kept_in_the_versioned_state_bucket(dev_stack):
    backend = dict(re.findall(r'^(\w+)\s*=\s*"([^"]+)"', (DEV / "backend.hcl").read_text(), re.MULTILINE))
    state = json.loads(dev_stack.s3.get_object(Bucket=backend["bucket"], Key=backend["key"])["Body"].read())
    addresses = {f"{r.get('module', '')}.{r['type']}.{r['name']}" for r in state["resources"]}
    assert "module.platform.module.iam.aws_iam_role.deploy" in addresses
    assert dev_stack.s3.get_bucket_versioning(Bucket=backend["bucket"])["Status"] == "Enabled"


def test_one_role_per_job_family_trusting_only_services(dev_stack):
    for family in JOB_FAMILIES:
        role = dev_stack.iam.get_role(RoleName=f"rtdp-dev-{family}")["Role"]
        trust = role["AssumeRolePolicyDocument"]
        principals = [statement["Principal"] for statement in trust["Statement"]]
        assert all(set(principal) == {"Service"} for principal in principals), family
        assert dev_stack.iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == [f"rtdp-dev-{family}-access"]


def test_deploy_role_is_trusted_through_github_oidc_only(dev_stack):
    providers = dev_stack.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    github = [p["Arn"] for p in providers if p["Arn"].endswith("oidc-provider/token.actions.githubusercontent.com")]
    assert len(github) == 1
    trust = dev_stack.iam.get_role(RoleName="rtdp-dev-github-deploy")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": github[0]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = statement["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:sub"] == f"repo:{GITHUB_REPOSITORY}:environment:dev"
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"


def _stored_policy(stack: DevStack, family: str) -> dict:
    document = stack.iam.get_role_policy(RoleName=f"rtdp-dev-{family}", PolicyName=f"rtdp-dev-{family}-access")["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


def test_streaming_role_writes_bronze_but_cannot_read_gold_or_delete(dev_stack):
    policy = _stored_policy(dev_stack, "streaming")
    assert is_allowed(policy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-bronze/bronze/transactions/part-0.parquet")
    assert is_allowed(policy, "s3:GetObject", "arn:aws:s3:::rtdp-dev-bronze/bronze/transactions/_delta_log/0.json")
    assert not is_allowed(policy, "s3:GetObject", "arn:aws:s3:::rtdp-dev-gold/gold/fact_sales/part-0.parquet")
    for layer in LAYERS:
        assert not is_allowed(policy, "s3:DeleteObject", f"arn:aws:s3:::rtdp-dev-{layer}/{layer}/any")
    assert not is_allowed(policy, "s3:PutObject", "arn:aws:s3:::rtdp-dev-silver/silver/any")


def test_plan_role_reads_the_environment_and_may_only_take_the_state_lock(dev_stack):
    document = dev_stack.iam.get_role_policy(RoleName="rtdp-dev-github-plan", PolicyName="rtdp-dev-github-plan-access")["PolicyDocument"]
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
    assert not is_allowed(policy, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/rtdp-dev-batch")
    trust = dev_stack.iam.get_role(RoleName="rtdp-dev-github-plan")["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    subjects = statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert sorted(subjects) == sorted([f"repo:{GITHUB_REPOSITORY}:pull_request", f"repo:{GITHUB_REPOSITORY}:ref:refs/heads/main"])


def test_other_job_families_stay_in_their_lane(dev_stack):
    reporting = _stored_policy(dev_stack, "reporting")
    assert is_allowed(reporting, "s3:GetObject", "arn:aws:s3:::rtdp-dev-gold/gold/fact_sales/x")
    assert not is_allowed(reporting, "s3:PutObject", "arn:aws:s3:::rtdp-dev-gold/gold/fact_sales/x")
    assert not is_allowed(reporting, "s3:GetObject", "arn:aws:s3:::rtdp-dev-raw/raw/x")
    ingestion = _stored_policy(dev_stack, "ingestion")
    assert is_allowed(ingestion, "s3:PutObject", "arn:aws:s3:::rtdp-dev-raw/raw/transactions.csv")
    assert not is_allowed(ingestion, "s3:PutObject", "arn:aws:s3:::rtdp-dev-raw/quarantine/x")
    batch = _stored_policy(dev_stack, "batch")
    assert is_allowed(batch, "s3:PutObject", "arn:aws:s3:::rtdp-dev-raw/quarantine/transactions/x")
    assert is_allowed(batch, "s3:DeleteObject", "arn:aws:s3:::rtdp-dev-silver/silver/x")
    assert not is_allowed(batch, "s3:DeleteObject", "arn:aws:s3:::rtdp-dev-raw/raw/x")
    ml = _stored_policy(dev_stack, "ml")
    assert is_allowed(ml, "s3:PutObject", "arn:aws:s3:::rtdp-dev-gold/gold/ml/forecast/x")
    assert not is_allowed(ml, "s3:PutObject", "arn:aws:s3:::rtdp-dev-gold/gold/fact_sales/x")


def test_rendered_policy_outputs_equal_what_iam_stores(dev_stack):
    for family in JOB_FAMILIES:
        assert json.loads(dev_stack.outputs["job_policy_documents"][family]) == _stored_policy(dev_stack, family)


def test_topics_exist_with_the_dev_partitions_and_configs(dev_stack):
    prefix = dev_stack.topic_prefix
    expected = {f"{prefix}{topic}" for topic in EVENT_TOPICS} | {f"{prefix}{topic}.dlq" for topic in EVENT_TOPICS}
    assert dev_stack.topics() == expected
    metadata = dev_stack.admin.list_topics(timeout=30).topics
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in sorted(expected)]
    configs = {resource.name: future.result(timeout=30) for resource, future in dev_stack.admin.describe_configs(resources).items()}
    for name in expected:
        dead_letter = name.endswith(".dlq")
        partitions = metadata[name].partitions
        assert len(partitions) == (1 if dead_letter else TFVARS["kafka_partitions"]), name
        assert all(len(p.replicas) == TFVARS["kafka_replication_factor"] for p in partitions.values()), name
        hours = TFVARS["kafka_dlq_retention_hours"] if dead_letter else TFVARS["kafka_retention_hours"]
        assert configs[name]["retention.ms"].value == str(hours * HOUR_MS), name
        assert configs[name]["cleanup.policy"].value == "delete", name
        assert configs[name]["min.insync.replicas"].value == str(TFVARS["kafka_min_insync_replicas"]), name


def test_non_loopback_endpoint_and_mwaa_on_the_emulator_are_refused(dev_stack):
    # The emulator stays the backend; only the provider endpoint variable points elsewhere.
    outside = Tofu(workdir=dev_stack.dev.workdir, data_dir=dev_stack.dev.data_dir,
                   variables={**dev_stack.dev.variables, "aws_endpoint_url": "http://10.20.30.40:4566"},
                   endpoint_url=dev_stack.endpoint)
    result = outside.run("plan", "-no-color", "-lock=false", check=False)
    assert result.returncode != 0
    assert "must be a loopback address" in " ".join(result.stderr.split())
    # -var, because terraform.tfvars outranks TF_VAR_ variables.
    result = dev_stack.dev.run("plan", "-no-color", "-lock=false", "-var=enable_mwaa=true", check=False)
    assert result.returncode != 0
    assert "MWAA exists only on real AWS" in " ".join(result.stderr.split())
    with pytest.raises(PlatformError, match="not a loopback address"):
        Tofu(workdir=DEV, data_dir=dev_stack.dev.data_dir, endpoint_url="http://192.0.2.1:4566").apply()


def test_second_plan_shows_no_changes(dev_stack):
    result = dev_stack.dev.run("plan", "-no-color", "-detailed-exitcode", check=False)
    dev_stack.timings["no_change_plan"] = result.seconds
    assert result.returncode == 0, f"plan after apply is not empty:\n{result.stdout[-6000:]}\n{result.stderr}"


def test_a_held_state_lock_blocks_a_second_writer(dev_stack):
    backend = dict(re.findall(r'^(\w+)\s*=\s*"([^"]+)"', (DEV / "backend.hcl").read_text(), re.MULTILINE))
    lock_key = backend["key"] + ".tflock"
    # What another run's lock object looks like while it applies.
    holder = {"ID": "held-by-test", "Operation": "OperationTypeApply", "Who": "someone@elsewhere", "Version": "1.10.10",
              "Created": "2026-01-01T00:00:00Z", "Path": f"{backend['bucket']}/{backend['key']}"}
    dev_stack.s3.put_object(Bucket=backend["bucket"], Key=lock_key, Body=json.dumps(holder).encode())
    try:
        blocked = dev_stack.dev.run("plan", "-no-color", "-lock-timeout=1s", check=False)
    finally:
        dev_stack.s3.delete_object(Bucket=backend["bucket"], Key=lock_key)
    assert blocked.returncode != 0
    assert "Error acquiring the state lock" in blocked.stderr and "held-by-test" in blocked.stderr
    assert dev_stack.dev.run("plan", "-no-color", "-detailed-exitcode", check=False).returncode == 0


def test_destroy_removes_buckets_roles_and_topics(dev_stack):
    dev_stack.destroy()
    existing = {bucket["Name"] for bucket in dev_stack.s3.list_buckets()["Buckets"]}
    assert not {name for name in existing if name.startswith("rtdp-dev-") and name != "rtdp-dev-tfstate"}
    for family in JOB_FAMILIES:
        with pytest.raises(ClientError):
            dev_stack.iam.get_role(RoleName=f"rtdp-dev-{family}")
    assert dev_stack.topics() == set()
