"""`rtdp infra plan|deploy|destroy|bootstrap|deployed|fetch-release`: the environments' infrastructure
and releases from the command line (what `make plan|deploy|destroy ENV=...` call)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from jobs.cli_errors import user_errors

app = typer.Typer(help="Infrastructure of dev and prod with OpenTofu, and the releases deployed into it.",
                  no_args_is_help=True)
console = Console()

EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment: dev (the local stack) or prod (AWS).")]
ApproveOption = Annotated[bool, typer.Option("--approve", help="Apply to prod without asking (after a review).")]


def _show(plan) -> None:
    for topic in plan.adopted_topics:
        console.print(f"adopted topic [bold]{topic}[/], left on the broker by an earlier deployment")
    console.print(Markdown(plan.review.markdown()))
    console.print(f"plan: {plan.file}", highlight=False)


@app.command()
@user_errors
def plan(env: EnvOption) -> None:
    """Write the plan file and a review of it (destroys and IAM changes first); change nothing."""
    from jobs.operate.deploy.environment import plan_environment

    with console.status(f"Planning {env}..."):
        planned = plan_environment(env)
    _show(planned)


@app.command()
@user_errors
def deploy(
    env: EnvOption,
    wheel: Annotated[Path, typer.Option(help="The wheel to release (built once, promoted unchanged).")],
    approve: ApproveOption = False,
    replace: Annotated[bool, typer.Option(help="dev only: overwrite a release of the same version.")] = False,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="Apply this reviewed plan file instead of planning again.")] = None,
    reviewed_digest: Annotated[str | None, typer.Option(
        help="Plan again and apply only if the plan has this digest (the review's), e.g. in a later CI job.")] = None,
) -> None:
    """Plan and apply the infrastructure, upload the release (wheel, SQL, DAGs), record its version."""
    from jobs.operate.deploy.environment import deploy as deploy_environment
    from jobs.operate.deploy.release import read_wheel

    release = read_wheel(wheel)
    console.print(f"Deploying [bold]{release.name} {release.version}[/] to [bold]{env}[/] (sha256 {release.sha256[:12]})")
    deployment = deploy_environment(env, release, approved=approve, replace=replace, plan_file=plan_file,
                                    reviewed_digest=reviewed_digest)
    _show(deployment.plan)
    record = deployment.record
    console.print(f"{'uploaded' if deployment.uploaded else 'already released'}: {record['release']}", highlight=False)
    console.print(f"DAGs published: {len(deployment.dags)}; deployed version of {env}: [bold green]{record['version']}[/]"
                  f" (before: {record['previous_version'] or 'none'})")


@app.command()
@user_errors
def destroy(env: EnvOption, approve: ApproveOption = False) -> None:
    """Plan the destruction of the environment, show it, and carry it out."""
    from jobs.operate.deploy.environment import apply_plan, plan_environment

    planned = plan_environment(env, destroy=True)
    _show(planned)
    apply_plan(planned, approved=approve)
    console.print(f"{env} destroyed (its state bucket remains; infra/bootstrap owns it)")


@app.command()
@user_errors
def bootstrap(env: EnvOption) -> None:
    """Create the environment's Terraform state bucket and its roles' permissions boundary (once per
    environment, as an administrator)."""
    from jobs.operate.deploy.environment import bootstrap as bootstrap_state
    from jobs.operate.deploy.environment import preflight, target

    where = target(env)
    preflight(where)
    console.print(f"state bucket ready: {bootstrap_state(where)}; permissions boundary ready: rtdp-{env}-boundary")


@app.command()
@user_errors
def deployed(env: EnvOption) -> None:
    """Print the version deployed to the environment (one line)."""
    from jobs.operate.deploy.environment import artifacts_bucket
    from jobs.operate.deploy.release import deployed_release

    where, bucket = artifacts_bucket(env)
    print(deployed_release(where.s3(), bucket, where.name)["version"])


@app.command("fetch-release")
@user_errors
def fetch_release(
    env: EnvOption,
    version: Annotated[str, typer.Option(help="Release to download.")],
    dest: Annotated[Path, typer.Option(help="Folder to put the wheel in.")] = Path("dist"),
) -> None:
    """Download the wheel of a release from the environment's artifacts bucket, checked against its manifest."""
    from jobs.operate.deploy.environment import artifacts_bucket
    from jobs.operate.deploy.release import fetch_release as fetch

    where, bucket = artifacts_bucket(env)
    wheel = fetch(where.s3(), bucket, version, dest)
    print(wheel.path)
