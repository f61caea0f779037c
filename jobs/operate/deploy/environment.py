"""Plan, deploy and destroy one environment (`make plan|deploy|destroy ENV=dev|prod`).

The same steps serve the local stack and AWS; only the settings differ. On the local stack the
state bucket is bootstrapped on first use, and Kafka topics that outlived an emulator restart
(the emulator keeps its buckets, and so the Terraform state, in memory) are adopted into the
new state instead of failing as "already exists".
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError
from confluent_kafka.admin import AdminClient

from jobs.config import Settings, load_settings
from jobs.errors import PlatformError
from jobs.operate.deploy.release import Wheel, publish_dags, record_deployment, upload_release
from jobs.operate.deploy.review import PlanReview, review_plan
from jobs.operate.deploy.tofu import KafkaOpenRace, Tofu, emulator_backend_config, require_loopback
from jobs.operate.stack.aws import parse_endpoint
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.processes import accepts_connections
from jobs.resources import checkout_dir

DEPLOYABLE = ("dev", "prod")


@dataclass(frozen=True)
class Target:
    """One deployable environment: its settings, Terraform root and working folder."""

    settings: Settings
    work: Path

    @property
    def name(self) -> str:
        return self.settings.env

    @property
    def root(self) -> Path:
        """environments/<env> of the clone: only Terraform needs it, not a job that reads the
        environment's buckets (deployed jobs run from the wheel)."""
        return checkout_dir() / "environments" / self.name

    @property
    def plan_file(self) -> Path:
        return self.work.parent.parent / "plans" / f"{self.name}.tfplan"

    @property
    def review_file(self) -> Path:
        return self.plan_file.with_suffix(".review.md")

    @property
    def digest_file(self) -> Path:
        """The reviewed plan's digest alone (jobs.operate.deploy.review.plan_digest), for workflows."""
        return self.plan_file.with_suffix(".digest")

    def s3(self):
        """An S3 client for this environment (path-style on the emulator)."""
        aws = self.settings.aws
        config = Config(s3={"addressing_style": "path"}) if aws.emulated else None
        return boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=aws.region, config=config)


def target(env: str | None) -> Target:
    """The deployable environment `env`; PlatformError for a missing or unknown one."""
    if not env:
        raise PlatformError("say which environment: ENV=dev (the local stack) or ENV=prod (AWS)")
    if env == "local":
        raise PlatformError("the local environment runs on local files and has no infrastructure: use ENV=dev or ENV=prod")
    if env not in DEPLOYABLE:
        raise PlatformError(f"unknown environment '{env}': choose one of {', '.join(DEPLOYABLE)}")
    settings = load_settings(env)
    return Target(settings, stack_paths(settings).state / "terraform" / env)


def preflight(target: Target) -> None:
    """Fail with one line when a service the plan needs is not there."""
    settings = target.settings
    if settings.aws.emulated:
        require_loopback(settings.aws.endpoint_url)
        if not accepts_connections(*parse_endpoint(settings.aws.endpoint_url)):
            raise PlatformError(f"the AWS emulator at {settings.aws.endpoint_url} is not answering: start the local stack with `make up`")
    elif boto3.session.Session().get_credentials() is None:
        raise PlatformError(f"no AWS credentials for {target.name}: configure a profile or role (GitHub Actions uses OIDC)")
    first = settings.kafka.bootstrap_servers.split(",")[0]
    host, _, port = first.rpartition(":")
    if not accepts_connections(host, int(port)):
        hint = "start the local stack with `make up`" if settings.aws.emulated else \
            "set RTDP_KAFKA__BOOTSTRAP_SERVERS to the cluster's bootstrap servers"
        raise PlatformError(f"Kafka at {settings.kafka.bootstrap_servers} is not answering: {hint}")


def _github_repository(target: Target) -> str:
    repository = os.environ.get("TF_VAR_github_repository") or os.environ.get("GITHUB_REPOSITORY")
    if repository:
        return repository
    if target.settings.aws.emulated:
        return "local/rtdp"  # the emulator never checks the OIDC trust; any owner/name will do
    raise PlatformError("set GITHUB_REPOSITORY=owner/name: the repository whose workflows may deploy this environment")


def terraform_variables(target: Target) -> dict[str, str]:
    """TF_VAR values taken from the settings, so that settings.toml names endpoints and topics once."""
    settings = target.settings
    variables = {
        "aws_region": settings.aws.region,
        "kafka_bootstrap_servers": settings.kafka.bootstrap_servers,
        "kafka_topic_prefix": settings.kafka.topic_prefix,
        "github_repository": _github_repository(target),
    }
    if settings.aws.emulated:
        variables["aws_endpoint_url"] = settings.aws.endpoint_url
    return variables


def _state_bucket(target: Target) -> str:
    match = re.search(r'^\s*bucket\s*=\s*"([^"]+)"', (target.root / "backend.hcl").read_text(), re.MULTILINE)
    if match is None:
        raise PlatformError(f"{target.root.name}/backend.hcl names no state bucket")
    return match.group(1)


def _bucket_exists(target: Target, bucket: str) -> bool:
    try:
        target.s3().head_bucket(Bucket=bucket)
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise PlatformError(f"cannot check the state bucket {bucket}: {error}") from None
    except NoCredentialsError:
        raise PlatformError("no AWS credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (test and test on the local emulator)") from None


def bootstrap(target: Target) -> str:
    """Create the environment's state bucket and its roles' permissions boundary (infra/bootstrap,
    local state); the bucket's name."""
    variables = {"environment": target.name, "aws_region": target.settings.aws.region,
                 "force_destroy": "true" if target.name == "dev" else "false"}
    if target.settings.aws.emulated:
        variables["aws_endpoint_url"] = target.settings.aws.endpoint_url
    tofu = Tofu(checkout_dir() / "infra" / "bootstrap", target.work / "bootstrap", variables)
    tofu.init(f"path={target.work / 'bootstrap.tfstate'}")
    plan_file = target.work / "bootstrap.tfplan"
    tofu.plan(plan_file)
    tofu.apply(plan_file)
    return tofu.outputs()["state_bucket"]


def _boundary_exists(target: Target) -> bool:
    """Whether the permissions boundary that infra/bootstrap makes exists (older bootstraps lack it)."""
    aws = target.settings.aws
    iam = boto3.client("iam", endpoint_url=aws.endpoint_url, region_name=aws.region)
    account = boto3.client("sts", endpoint_url=aws.endpoint_url, region_name=aws.region).get_caller_identity()
    partition = account["Arn"].split(":")[1]
    try:
        iam.get_policy(PolicyArn=f"arn:{partition}:iam::{account['Account']}:policy/rtdp-{target.name}-boundary")
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


def ensure_bootstrapped(target: Target) -> None:
    """The state bucket and the permissions boundary exist; on the emulator they are made here."""
    bucket = _state_bucket(target)
    bucket_exists = _bucket_exists(target, bucket)
    if bucket_exists and _boundary_exists(target):
        return
    if not target.settings.aws.emulated:
        raise PlatformError(f"{target.name} is not bootstrapped (state bucket {bucket} and the roles' permissions boundary): "
                            f"run `make bootstrap ENV={target.name}` once, as an administrator")
    if not bucket_exists:
        # A restarted emulator forgot the bucket its local bootstrap state still lists; refreshing
        # that state fails in the AWS provider, and there is nothing left in it to keep.
        for stale in target.work.glob("bootstrap.tfstate*"):
            stale.unlink()
    bootstrap(target)


def environment_tofu(target: Target) -> Tofu:
    """`tofu` on environments/<env>, initialised against its state bucket."""
    tofu = Tofu(target.root, target.work / "root", terraform_variables(target))
    backend = ["backend.hcl"]
    if target.settings.aws.emulated:
        backend += emulator_backend_config(target.settings.aws.endpoint_url)
    tofu.init(*backend)
    return tofu


def _adopt_topics(tofu: Tofu, target: Target, plan: dict) -> list[str]:
    """Import topics the plan would create but the local broker already has; their names."""
    wanted = {change["change"]["after"]["name"]: change["address"] for change in plan.get("resource_changes", [])
              if change["type"] == "kafka_topic" and change["change"]["actions"] == ["create"]}
    if not wanted:
        return []
    existing = AdminClient({"bootstrap.servers": target.settings.kafka.bootstrap_servers}).list_topics(timeout=30).topics
    adopted = sorted(name for name in wanted if name in existing)
    for name in adopted:
        tofu.run("import", "-input=false", wanted[name], name)
    return adopted


@dataclass(frozen=True)
class Plan:
    target: Target
    tofu: Tofu
    review: PlanReview
    adopted_topics: list[str]
    file: Path
    destroy: bool = False


def plan_environment(env: str | None, *, destroy: bool = False) -> Plan:
    """Write the plan file, its text and its review next to each other; the Plan."""
    where = target(env)
    preflight(where)
    ensure_bootstrapped(where)
    tofu = environment_tofu(where)
    plan = tofu.plan(where.plan_file, destroy=destroy)
    adopted = []
    if where.settings.aws.emulated and not destroy:
        adopted = _adopt_topics(tofu, where, plan)
        if adopted:
            plan = tofu.plan(where.plan_file)
    review = review_plan(where.name, plan)
    where.review_file.write_text(review.markdown())
    where.digest_file.write_text(review.digest + "\n")
    where.plan_file.with_suffix(".txt").write_text(tofu.show(where.plan_file))
    return Plan(where, tofu, review, adopted, where.plan_file, destroy)


def apply_plan(plan: Plan, *, approved: bool) -> None:
    """Apply the reviewed plan file; prod only with explicit approval."""
    if plan.target.name == "prod" and not approved:
        raise PlatformError(f"prod changes only with approval: read {plan.target.review_file}, then rerun with APPROVE=1")
    if not plan.review.has_changes:
        return
    try:
        plan.tofu.apply(plan.file)
    except KafkaOpenRace:
        if plan.target.name == "prod":
            raise  # a new plan for prod needs a new review
        # Part of the plan may be applied: plan what is left and apply that.
        print("the Kafka provider hit its connection race during apply: planning the rest and applying it",
              file=sys.stderr)
        plan.tofu.plan(plan.file, destroy=plan.destroy)
        plan.tofu.apply(plan.file)


@dataclass(frozen=True)
class Deployment:
    plan: Plan
    record: dict
    uploaded: bool
    dags: list[str]


def reviewed_plan(env: str | None, plan_file: Path) -> Plan:
    """A plan written earlier (by `make plan`, possibly on another machine), ready to apply.

    OpenTofu refuses to apply it if the state changed since it was written.
    """
    where = target(env)
    if not plan_file.is_file():
        raise PlatformError(f"plan file {plan_file} not found: write one with `make plan ENV={where.name}`")
    preflight(where)
    tofu = environment_tofu(where)
    review = review_plan(where.name, json.loads(tofu.run("show", "-json", str(plan_file.resolve()))))
    return Plan(where, tofu, review, [], plan_file.resolve())


def deploy(env: str | None, wheel: Wheel, *, approved: bool = False, replace: bool = False,
           plan_file: Path | None = None, reviewed_digest: str | None = None) -> Deployment:
    """Apply the infrastructure, then release `wheel` into it and record the version. The plan
    applied is the reviewed `plan_file`, or a new one that must have the `reviewed_digest`, or (not
    in prod) a new one."""
    if env == "prod" and plan_file is None and reviewed_digest is None:
        # APPROVE=1 approves a plan somebody read, never one made on the way.
        raise PlatformError("prod applies only a reviewed plan: run `make plan ENV=prod`, read "
                            ".state/plans/prod.review.md, then `make deploy ENV=prod PLAN=.state/plans/prod.tfplan APPROVE=1`")
    plan = reviewed_plan(env, plan_file) if plan_file else plan_environment(env)
    if reviewed_digest is not None and plan.review.digest != reviewed_digest.strip():
        raise PlatformError(f"{plan.target.name} is not what was reviewed: the plan now has digest {plan.review.digest}, "
                            f"the reviewed one {reviewed_digest.strip()}; plan and review again")
    apply_plan(plan, approved=approved)
    outputs = plan.tofu.outputs()
    buckets = outputs["bucket_names"]
    s3 = plan.target.s3()
    uploaded = upload_release(s3, buckets["artifacts"], wheel, replace=replace and plan.target.name == "dev")
    dags = publish_dags(s3, buckets["airflow"], wheel)
    record = record_deployment(s3, buckets["artifacts"], plan.target.name, wheel, outputs["job_role_arns"])
    return Deployment(plan, record, uploaded, dags)


def artifacts_bucket(env: str | None) -> tuple[Target, str]:
    """The environment and the name of its artifacts bucket (as the modules name it)."""
    where = target(env)
    return where, f"rtdp-{where.name}-artifacts"
