"""The OpenTofu CLI that `make tools` installs, run on one root configuration of the repository.

Working data (.terraform, plan files) lives under the state folder, never in the checkout, and
everything environment-specific reaches Terraform as TF_VAR_* variables taken from the
environment's settings, so settings.toml stays the one place that names endpoints and topics.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from jobs.errors import PlatformError
from jobs.resources import tools_cache_dir


def tools_dir() -> Path:
    """Where `make tools` puts OpenTofu and the provider mirror ($RTDP_TOOLS_DIR overrides)."""
    return Path(os.environ.get("RTDP_TOOLS_DIR") or tools_cache_dir() / "terraform")


def tofu_binary() -> Path:
    binary = tools_dir() / "bin" / "tofu"
    if not binary.is_file():
        raise PlatformError("OpenTofu is not installed: run `make tools` (the first build takes long, then it is cached)")
    return binary


def require_loopback(endpoint_url: str) -> None:
    """PlatformError unless `endpoint_url` names a loopback host: emulator settings never reach a network."""
    host = urlparse(endpoint_url).hostname or ""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise PlatformError(f"refusing to use {endpoint_url} as the AWS emulator: not a loopback address")


def emulator_backend_config(endpoint_url: str) -> list[str]:
    """Backend settings that point the s3 backend at a loopback emulator (added to backend.hcl)."""
    require_loopback(endpoint_url)
    return [
        f'endpoints={{s3="{endpoint_url}",sts="{endpoint_url}"}}',
        "use_path_style=true",
        "skip_credentials_validation=true",
        "skip_requesting_account_id=true",
        "skip_metadata_api_check=true",
        "skip_region_validation=true",
    ]


# Mongey/kafka 0.13 closes its first broker connection after probing API versions; when several
# topics are then read, created or deleted at once, IBM/sarama's Broker.Open (up to 1.61 at
# least) marks the broker open before it locks it, and a concurrent request finds no connection.
# A read-only command that fails so changed nothing and is simply run again; an apply may have
# changed some resources, so its caller plans again (jobs.operate.deploy.environment.apply_plan).
KAFKA_OPEN_RACE = "kafka: broker not connected"
READ_ONLY = ("plan", "import", "show", "output")
ATTEMPTS = 3


class KafkaOpenRace(PlatformError):
    """A tofu command failed only because of the Kafka provider's connection race."""


def is_kafka_open_race(stderr: str | None) -> bool:
    return KAFKA_OPEN_RACE in (stderr or "")


def runs_again(command: str, stderr: str | None, attempt: int) -> bool:
    """Whether attempt `attempt` of `tofu <command>` failed only on the race and may be repeated."""
    return command in READ_ONLY and is_kafka_open_race(stderr) and attempt < ATTEMPTS


@dataclass
class Tofu:
    """`tofu` bound to one configuration folder (`root`) and one working-data folder."""

    root: Path
    data_dir: Path
    variables: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        cli_config = tools_dir() / "tofu.rc"
        if cli_config.is_file():
            env["TF_CLI_CONFIG_FILE"] = str(cli_config)
        env.update(TF_DATA_DIR=str(self.data_dir), TF_IN_AUTOMATION="1", TF_INPUT="0")
        env.update({f"TF_VAR_{name}": value for name, value in self.variables.items()})
        return env

    def run(self, *args: str, stream: bool = False) -> str:
        """Run `tofu <args>` in the root; its stdout (printed live instead when `stream`).

        On failure the tool's own messages go to stderr and a one-line PlatformError follows
        (KafkaOpenRace for the Kafka provider's race, after READ_ONLY commands were run again).
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        attempt = 1
        while True:
            process = subprocess.run(
                [str(tofu_binary()), args[0], "-no-color", *args[1:]], cwd=self.root, env=self.env(), text=True,
                check=False, stdout=None if stream else subprocess.PIPE, stderr=subprocess.PIPE,
            )
            if process.returncode == 0:
                if stream:
                    sys.stderr.write(process.stderr)
                return process.stdout or ""
            if not runs_again(args[0], process.stderr, attempt):
                break
            print(f"tofu {args[0]}: the Kafka provider hit its connection race; running it again", file=sys.stderr)
            attempt += 1
        sys.stderr.write(process.stderr or process.stdout or "")
        if is_kafka_open_race(process.stderr):
            raise KafkaOpenRace(f"tofu {args[0]} failed in {self.root.name}: the Kafka provider hit its connection "
                                "race (kafka: broker not connected); nothing is wrong with the broker, run it again")
        raise PlatformError(f"tofu {args[0]} failed in {self.root.name} (exit {process.returncode}): see the messages above")

    def init(self, *backend_config: str) -> None:
        """`tofu init` from the provider mirror; a committed lock file is verified, never rewritten."""
        flags = [f"-backend-config={item}" for item in backend_config] or ["-backend=false"]
        if (self.root / ".terraform.lock.hcl").is_file():
            flags.append("-lockfile=readonly")
        self.run("init", "-reconfigure", "-input=false", *flags)

    def plan(self, plan_file: Path, *, destroy: bool = False) -> dict:
        """Write a plan file; its JSON (as `tofu show -json`)."""
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        self.run("plan", "-input=false", "-lock-timeout=120s", f"-out={plan_file}", *(["-destroy"] if destroy else []))
        return json.loads(self.run("show", "-json", str(plan_file)))

    def show(self, plan_file: Path) -> str:
        """The plan file as the text `tofu plan` prints."""
        return self.run("show", str(plan_file))

    def apply(self, plan_file: Path) -> None:
        """Apply exactly this plan file (output printed live)."""
        self.run("apply", "-input=false", "-lock-timeout=120s", str(plan_file), stream=True)

    def outputs(self) -> dict:
        """Every output of the state, as plain values."""
        raw = json.loads(self.run("output", "-json"))
        return {name: item["value"] for name, item in raw.items()}
