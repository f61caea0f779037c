"""The AWS provider of `make tools` serves every resource and data source type the code uses.

Where no registry answers, the provider is built with only the services listed in
infra/toolchain/aws-services.txt. A module that starts using a type of another service must fail
here, in one line that names the service to add, and not halfway through a deploy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tofu_runner import ROOT, TOOLS, Tofu

CODE_FOLDERS = ("modules", "environments", "infra/bootstrap")
AWS_PROVIDER = "registry.opentofu.org/hashicorp/aws"
# Block keyword in HCL -> the key of its types in `tofu providers schema -json`.
SCHEMA_KEYS = {"resource": "resource_schemas", "data": "data_source_schemas", "ephemeral": "ephemeral_resource_schemas"}
# Written by install.sh from the provider's source: which service package serves each type.
TYPE_INDEX = TOOLS / "aws-provider-types.tsv"


def used_types(folders: list[Path]) -> set[tuple[str, str]]:
    """(block keyword, type) of every AWS resource, data source and ephemeral resource declared."""
    pattern = re.compile(r'^\s*(resource|data|ephemeral)\s+"(aws_[a-z0-9_]+)"', re.MULTILINE)
    return {match.groups() for folder in folders for path in folder.rglob("*.tf") for match in pattern.finditer(path.read_text())}


def unserved(used: set[tuple[str, str]], schema: dict, services: dict[str, str]) -> list[str]:
    """One line per used type that the provider's schema lacks, naming the service to build in."""
    lines = []
    for kind, name in sorted(used):
        if name not in schema.get(SCHEMA_KEYS[kind], {}):
            service = services.get(name)
            hint = f"add `{service}` to infra/toolchain/aws-services.txt and run `make tools`" if service else "no AWS service of the provider serves it"
            lines.append(f"{kind} {name} is not served by the built AWS provider: {hint}")
    return lines


def read_type_index(path: Path) -> dict[str, str]:
    return dict(line.split("\t") for line in path.read_text().splitlines() if line)


@pytest.mark.unit
def test_an_unserved_type_gets_one_line_naming_its_service():
    schema = {"resource_schemas": {"aws_s3_bucket": {}}, "data_source_schemas": {"aws_caller_identity": {}}}
    used = {("resource", "aws_s3_bucket"), ("data", "aws_caller_identity"), ("data", "aws_region"), ("resource", "aws_made_up")}
    assert unserved(used, schema, {"aws_region": "meta", "aws_s3_bucket": "s3"}) == [
        "data aws_region is not served by the built AWS provider: add `meta` to infra/toolchain/aws-services.txt and run `make tools`",
        "resource aws_made_up is not served by the built AWS provider: no AWS service of the provider serves it",
    ]
    # A data source is looked up among data sources, not among resources of the same name.
    assert unserved({("data", "aws_s3_bucket")}, schema, {"aws_s3_bucket": "s3"}) == [
        "data aws_s3_bucket is not served by the built AWS provider: add `s3` to infra/toolchain/aws-services.txt and run `make tools`"]


@pytest.mark.unit
def test_the_scan_finds_the_types_the_code_declares():
    used = used_types([ROOT / folder for folder in CODE_FOLDERS])
    # A few the platform cannot work without; if the pattern broke, these would vanish.
    assert {("resource", "aws_s3_bucket"), ("resource", "aws_iam_role"), ("data", "aws_iam_policy_document"),
            ("data", "aws_caller_identity")} <= used


@pytest.fixture(scope="module")
def provider_schema(toolchain, tmp_path_factory) -> dict:
    """The schema of the locked AWS provider, from a root that needs nothing but that provider."""
    root = tmp_path_factory.mktemp("schema-root")
    lock = (ROOT / "environments/dev/.terraform.lock.hcl").read_text()
    block = re.search(r'^provider "registry.opentofu.org/hashicorp/aws" \{.*?^\}\n', lock, re.MULTILINE | re.DOTALL).group(0)
    version = re.search(r'version\s*=\s*"([^"]+)"', block).group(1)
    (root / "versions.tf").write_text(
        f'terraform {{\n  required_providers {{\n    aws = {{ source = "hashicorp/aws", version = "{version}" }}\n  }}\n}}\n')
    # With the committed hashes: init refuses a provider binary that does not match them.
    (root / ".terraform.lock.hcl").write_text(block)
    tofu = Tofu(workdir=root, data_dir=root / ".data")
    tofu.run("init", "-no-color", "-backend=false")
    return json.loads(tofu.run("providers", "schema", "-json").stdout)["provider_schemas"][AWS_PROVIDER]


@pytest.mark.integration
def test_the_built_provider_serves_every_aws_type_the_code_uses(provider_schema):
    services = read_type_index(TYPE_INDEX) if TYPE_INDEX.is_file() else {}
    missing = unserved(used_types([ROOT / folder for folder in CODE_FOLDERS]), provider_schema, services)
    assert not missing, "\n".join(missing)


@pytest.mark.integration
def test_a_type_of_a_service_outside_the_build_would_fail_with_its_service(provider_schema):
    if not TYPE_INDEX.is_file():
        # The registry's build (downloaded where a registry answers) has every service.
        assert "aws_instance" in provider_schema["resource_schemas"]
        return
    listed = re.sub(r"#.*", "", (ROOT / "infra/toolchain/aws-services.txt").read_text()).split()
    services = read_type_index(TYPE_INDEX)
    assert services["aws_s3_bucket"] == "s3" and services["aws_region"] == "meta"
    # EC2 is not in the build: a module using an instance must be caught by the check above.
    assert "ec2" not in listed
    assert unserved({("resource", "aws_instance")}, provider_schema, services) == [
        "resource aws_instance is not served by the built AWS provider: add `ec2` to infra/toolchain/aws-services.txt and run `make tools`"]
