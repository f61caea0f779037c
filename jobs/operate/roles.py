"""Each job under the role of its family: short-lived credentials from STS AssumeRole.

`make deploy` makes one role per job family (modules/iam, access in modules/iam/job_access.json)
and records their ARNs with the release it deployed. A deployed environment's jobs run with the
credentials of their family's role, assumed with the caller's own (a person's or the scheduler's),
so a job can read and write only what its family may; the emulator enforces IAM as AWS does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from jobs.config import Settings
from jobs.errors import PlatformError

# The family of each job (the keys of modules/iam/job_access.json). The generator is not among
# them: it plays the source systems, which land raw files with their own credentials.
FAMILIES = {
    "bronze": "ingest", "silver": "silver", "gold": "gold", "ml": "ml", "stream": "streaming",
    "compact": "streaming", "warehouse": "warehouse", "reports": "reports", "catalog": "reports",
    # The quality DAG reruns the gates the gold step runs on what was published.
    "quality": "gold",
}
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# How long a role's keys last. A batch job ends within the hour; the stream job runs for days and
# is restarted with new keys before its own expire (jobs.stream.health). Terraform allows each
# role this much (`session_hours` in modules/iam/job_access.json).
SESSION_SECONDS = 3600
STREAM_SESSION_SECONDS = 12 * 3600


def runs_on_cluster(settings: Settings) -> bool:
    """True where jobs are submitted to a cluster (jobs.operate.submit) and run under
    their roles: a deployed environment whose settings name a cluster."""
    return settings.env != "local" and settings.spark.cluster is not None


def role_name(arn: str) -> str:
    """The name of a role, e.g. `rtdp-dev-silver` for its ARN."""
    return arn.rsplit("/", 1)[-1]


def role_credentials(settings: Settings, roles: Mapping[str, str], job: str,
                     session_seconds: int = SESSION_SECONDS) -> dict[str, str]:
    """The AWS_* variables of `job`'s role in `roles` (family -> ARN, from the deployment record),
    valid for `session_seconds`."""
    family = FAMILIES[job]
    arn = roles.get(family)
    if arn is None:
        raise PlatformError(f"the release deployed to {settings.env} records no role for {family} jobs: "
                            f"deploy again with `make deploy ENV={settings.env}`")
    sts = boto3.client("sts", endpoint_url=settings.aws.endpoint_url, region_name=settings.aws.region)
    try:
        credentials = sts.assume_role(RoleArn=arn, RoleSessionName=f"rtdp-{settings.env}-{job}",
                                      DurationSeconds=session_seconds)["Credentials"]
    except (BotoCoreError, ClientError) as error:
        raise PlatformError(f"cannot assume the {family} role {arn} for {job}: {error}") from None
    return dict(zip(CREDENTIAL_VARIABLES, (credentials["AccessKeyId"], credentials["SecretAccessKey"],
                                          credentials["SessionToken"]), strict=True))


@contextlib.contextmanager
def acting_as(settings: Settings, job: str) -> Iterator[None]:
    """Run the block (a job inside this process) with the credentials of `job`'s role where
    `settings` is a deployed environment; unchanged elsewhere."""
    from jobs.operate.submit import deployed_roles

    if not runs_on_cluster(settings):
        yield
        return
    saved = {name: os.environ.get(name) for name in CREDENTIAL_VARIABLES}
    roles = deployed_roles(settings)
    os.environ.update(role_credentials(settings, roles, job))
    try:
        yield
    except OSError as error:
        if "ACCESS_DENIED" not in str(error) and "AccessDenied" not in str(error):
            raise
        role = role_name(roles[FAMILIES[job]])
        raise PlatformError(f"{job} ran as {role}, which may not do this: {' '.join(str(error).split())}") from None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
