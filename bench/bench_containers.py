"""Time the compose stack from nothing to healthy, and read each container's memory once it is up.

Runs docker-compose.yml under a project and host ports of its own (beside `make up` or another
stack), waits for every health check, reads `docker stats`, then removes everything (`down -v`).
Needs the images (`make images`) and an engine: Docker's, or podman's after `make engine`.

Usage: python bench/bench_containers.py [--profile full] [--scale 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path

from jobs.operate.stack.processes import free_ports

ROOT = Path(__file__).resolve().parents[1]
SOCKET = ROOT / ".state" / "podman" / "docker.sock"
# The variables that move the stack's published ports, as docker-compose.yml names them.
PORTS = tuple(dict.fromkeys(re.findall(r"\$\{(RTDP_\w+_PORT):-", (ROOT / "docker-compose.yml").read_text())))
PROJECT = "rtdp-bench"
_UNITS = {"B": 1, "kB": 1e3, "KiB": 2**10, "MB": 1e6, "MiB": 2**20, "GB": 1e9, "GiB": 2**30}


def _megabytes(usage: str) -> float:
    """The used part of docker stats' "MemUsage", e.g. "394.2MiB / 23.4GiB" -> 394.2 (MB of 2^20 bytes)."""
    used = usage.split("/")[0].strip()
    unit = used.lstrip("0123456789.")
    return float(used[: len(used) - len(unit)]) * _UNITS[unit] / 2**20


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", help="compose profile on top of the core services")
    parser.add_argument("--scale", default="2000", help="transactions of the batch pipeline (RTDP_SCALE)")
    args = parser.parse_args()
    env = dict(os.environ, RTDP_SCALE=args.scale)
    if "DOCKER_HOST" not in env and SOCKET.exists():
        env["DOCKER_HOST"] = f"unix://{SOCKET}"
    first = free_ports(len(PORTS))
    env.update({name: str(first + offset) for offset, name in enumerate(PORTS)})
    compose = ["docker", "compose", "--project-name", PROJECT, "--profile", args.profile]
    try:
        up = _timed([*compose, "up", "--detach", "--wait", "--wait-timeout", "1200", "--quiet-pull"], env)
        ids = subprocess.run([*compose, "ps", "--quiet"], cwd=ROOT, env=env, text=True, capture_output=True, check=True)
        stats = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{json .}}", *ids.stdout.split()], cwd=ROOT,
                               env=env, text=True, capture_output=True, check=True)
    finally:
        down = _timed([*compose, "down", "--volumes", "--timeout", "30"], env)
    # Podman names them "/rtdp-bench-kafka-1", Docker "rtdp-bench-kafka-1".
    memory = {row["Name"].lstrip("/").removeprefix(f"{PROJECT}-").removesuffix("-1"): _megabytes(row["MemUsage"])
              for row in map(json.loads, stats.stdout.splitlines())}
    print(f"up --wait (profile {args.profile}, RTDP_SCALE={args.scale})  {up:.0f} s")
    for name, megabytes in sorted(memory.items(), key=lambda item: -item[1]):
        print(f"  {name:<16} {megabytes:>6.0f} MiB")
    print(f"  {'in all':<16} {sum(memory.values()):>6.0f} MiB")
    print(f"down --volumes  {down:.0f} s")


if __name__ == "__main__":
    main()
