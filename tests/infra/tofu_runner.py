"""Run the real OpenTofu binary of `make tools` against one configuration folder.

Each Tofu keeps its working data (.terraform) in its own folder, so tests never touch a
developer's initialised environments, and refuses to aim a local run at anything but loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from jobs.operate.deploy.tofu import ATTEMPTS, require_loopback, runs_again, tools_dir
from jobs.operate.stack.constants import EMULATOR_CREDENTIALS  # the emulator administrator's keys

ROOT = Path(__file__).resolve().parents[2]
# Where `make tools` put OpenTofu and the provider mirror (RTDP_TOOLS_DIR overrides, as in install.sh).
TOOLS = tools_dir()
TOFU_BINARY = TOOLS / "bin" / "tofu"
CLI_CONFIG = TOOLS / "tofu.rc"



@dataclass
class Result:
    """Exit code, output and wall-clock seconds of one tofu command."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Tofu:
    """The tofu CLI bound to one configuration folder and one data folder."""

    workdir: Path
    data_dir: Path
    variables: dict[str, str] = field(default_factory=dict)
    endpoint_url: str | None = None

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("TF_", "AWS_"))}
        env.update(
            TF_CLI_CONFIG_FILE=str(CLI_CONFIG),
            TF_DATA_DIR=str(self.data_dir),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            AWS_REGION="us-east-1",
        )
        if self.endpoint_url is not None:
            env.update(EMULATOR_CREDENTIALS, TF_VAR_aws_endpoint_url=self.endpoint_url)
        env.update({f"TF_VAR_{name}": value for name, value in self.variables.items()})
        return env

    def run(self, *args: str, check: bool = True) -> Result:
        """Run `tofu <args>` in the folder; raise AssertionError with its output when check fails."""
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            process = subprocess.run(
                [str(TOFU_BINARY), *args],
                check=False,
                cwd=self.workdir,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=1800,
            )
            # The Kafka provider's connection race (see jobs.operate.deploy.tofu): a read-only command runs again.
            if not runs_again(args[0], process.stderr, attempt):
                break
        result = Result(process.returncode, process.stdout, process.stderr, time.monotonic() - started)
        if check and result.returncode != 0:
            raise AssertionError(f"tofu {' '.join(args)} failed ({result.returncode}):\n{result.stderr}\n{result.stdout[-4000:]}")
        return result

    def init(self, *backend_config: str) -> Result:
        """`tofu init` from the provider mirror; with no backend settings the backend is skipped.

        A committed lock file is only verified, never rewritten.
        """
        flags = [f"-backend-config={item}" for item in backend_config] or ["-backend=false"]
        if (self.workdir / ".terraform.lock.hcl").is_file():
            flags.append("-lockfile=readonly")
        return self.run("init", "-no-color", *flags)

    def apply(self) -> Result:
        """`tofu apply`, only against a loopback emulator endpoint."""
        if self.endpoint_url is None:
            raise ValueError("tests apply only against a local emulator: set endpoint_url")
        require_loopback(self.endpoint_url)
        return self.run("apply", "-no-color", "-auto-approve")

    def destroy(self) -> Result:
        """`tofu destroy`, only against a loopback emulator endpoint."""
        if self.endpoint_url is None:
            raise ValueError("tests destroy only against a local emulator: set endpoint_url")
        require_loopback(self.endpoint_url)
        return self.run("destroy", "-no-color", "-auto-approve")

    def outputs(self) -> dict:
        """Every output of the state, as plain values."""
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: item["value"] for name, item in raw.items()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def private_emulator():
    """A moto server process of its own on a free loopback port; its endpoint URL.

    A process, not moto's in-process threaded server: those share one in-memory state, so two
    of them would not be two emulators.
    """
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "jobs.operate.stack.moto_server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the moto server on port {port} did not come up") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
