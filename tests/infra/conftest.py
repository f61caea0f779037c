"""Fixtures of the infrastructure tests: the built toolchain, a copy of the configurations and
the local stack's real Kafka broker."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tofu_runner import CLI_CONFIG, ROOT, TOFU_BINARY

# The configurations the tests run; copied so init never writes into the working tree.
CONFIG_FOLDERS = ("modules", "environments/dev", "environments/prod", "infra/bootstrap")
CONFIG_FILES = ("*.tf", "*.tfvars", "*.hcl", ".terraform.lock.hcl", "*.json")


@pytest.fixture(scope="session")
def toolchain() -> Path:
    """The OpenTofu binary; fails with the command to run when `make tools` has not been run."""
    if not TOFU_BINARY.is_file() or not CLI_CONFIG.is_file():
        pytest.fail("OpenTofu and its providers are not built: run `make tools` (infra/toolchain/install.sh)")
    return TOFU_BINARY


@pytest.fixture(scope="session")
def config_tree(tmp_path_factory, toolchain) -> Path:
    """A copy of every Terraform configuration of the repository, same relative layout."""
    tree = tmp_path_factory.mktemp("configs")
    for folder in CONFIG_FOLDERS:
        for pattern in CONFIG_FILES:
            for source in (ROOT / folder).rglob(pattern):
                if ".terraform" in source.relative_to(ROOT).parts[:-1]:
                    continue
                target = tree / source.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    return tree


@pytest.fixture(scope="session")
def kafka_bootstrap(local_stack) -> str:
    """Bootstrap servers of the real Kafka broker of the one local stack the whole suite shares."""
    return local_stack.kafka.bootstrap_servers
