"""Detached service processes: launch, pid files, ownership, stop, memory, port probes.

A pid file records the exact command line the stack launched. A process counts as ours only
while /proc/<pid>/cmdline still equals it, so a recycled pid is never signalled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jobs.operate.stack.constants import LOOPBACK

# Popen objects of the services this Python process launched: kept so they are reaped (no
# zombies, no "still running" warnings) when the same process later stops them.
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class PidRecord:
    """What a pid file holds: the process, the port it serves, and its command line."""

    pid: int
    port: int
    command: list[str]


def write_pid_file(path: Path, record: PidRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": record.pid, "port": record.port, "command": record.command}))


def read_pid_file(path: Path) -> PidRecord | None:
    """The record in `path`, or None when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text())
        return PidRecord(pid=int(data["pid"]), port=int(data["port"]), command=list(data["command"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _reap(pid: int) -> None:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]


def is_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, finished but not yet reaped, counts as gone)."""
    _reap(pid)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] != "Z"


def command_line(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")[:-1] if raw else None


def is_ours(record: PidRecord) -> bool:
    """True if the recorded process still runs the command the stack launched."""
    return is_alive(record.pid) and command_line(record.pid) == record.command


def resident_memory(pid: int) -> int | None:
    """Resident set size in bytes (VmRSS of /proc/<pid>/status), None if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def port_in_use(host: str, port: int) -> bool:
    """True if some socket already holds `host:port` (listening or merely bound)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # SO_REUSEADDR ignores connections in TIME_WAIT that a just-stopped service left behind.
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError:
        return True
    finally:
        probe.close()
    return False


def accepts_connections(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def launch(command: list[str], log_file: Path, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Start `command` detached (own session, no terminal), output to `log_file`; its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    with open(log_file, "wb") as log:
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env,
            start_new_session=True,
        )
    _children[child.pid] = child
    return child.pid


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return not is_alive(pid)


def terminate(record: PidRecord, grace_seconds: float) -> bool:
    """Stop the recorded process if it is still ours: SIGTERM, wait, then SIGKILL.

    Returns True if a process of ours was stopped, False if there was none to stop.
    """
    if not is_ours(record):
        return False
    try:
        os.kill(record.pid, signal.SIGTERM)
        if not _wait_gone(record.pid, grace_seconds):
            os.kill(record.pid, signal.SIGKILL)
            _wait_gone(record.pid, 10)
    except ProcessLookupError:
        pass
    return True


def last_problem_line(log_file: Path) -> str:
    """The last ERROR/exception line of a log, shortened, to quote in a one-line message."""
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    markers = ("ERROR", "Exception", "Error:", "error:")
    for line in reversed(lines):
        if any(marker in line for marker in markers):
            return line.strip()[:240]
    return ""


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` while the block runs: two processes (two `make up`,
    two test workers) that start the same service or fill the same cache take turns. The kernel
    drops the lock when a holder dies, so a crash never leaves it stuck."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Where the kernel takes the local ports of outgoing connections (Linux's file; its default else).
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Below it and above the usual stack's ports (9092, 4566, 7077, 8090, ...).
_LOWEST = 10_000


def _ephemeral_start() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_ports(count: int = 2) -> int:
    """A loopback port p such that p .. p + count - 1 are all free (a broker and its controller,
    a Spark master's UI and its workers'): for a second stack beside the usual one, as tests and
    course walks start. Chosen below the ephemeral range: a stack may bind its ports long after
    they are chosen, and a client socket may take an ephemeral port in between."""
    highest = _ephemeral_start() - count
    if highest <= _LOWEST:  # no room below the range: any port above the usual stack's
        highest = 65_536 - count
    for _ in range(50):
        port = random.randrange(_LOWEST, highest)
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind((LOOPBACK, port + offset))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        return port
    raise RuntimeError(f"no {count} consecutive free loopback ports found")
