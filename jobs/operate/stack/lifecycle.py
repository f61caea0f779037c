"""Start, stop and inspect one service of the stack, whatever it runs.

A service (see kafka.py, aws.py) names itself, its ports, its command and its health check;
this module owns the rules common to all: reuse a healthy running instance, refuse a port held
by a stranger, wait for a real health check, and stop only a process the stack started itself.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from jobs.errors import PlatformError
from jobs.operate.stack.paths import StackPaths
from jobs.operate.stack.processes import (
    PidRecord,
    is_alive,
    is_ours,
    last_problem_line,
    launch,
    port_in_use,
    read_pid_file,
    resident_memory,
    terminate,
    write_pid_file,
)


@runtime_checkable
class Service(Protocol):
    name: str
    title: str
    host: str
    port: int
    paths: StackPaths
    health_timeout: float
    stop_grace: float

    @property
    def ports(self) -> tuple[int, ...]: ...

    def prepare(self) -> None: ...

    def command(self) -> list[str]: ...

    def environment(self) -> dict[str, str]:
        """Variables the service's process gets on top of the caller's environment."""
        ...

    def healthy(self) -> bool: ...


@dataclass(frozen=True)
class ServiceStatus:
    """One row of `rtdp stack up|down|status`.

    state: started | already running (up), stopped | not running (down), running | stopped (status).
    """

    name: str
    state: str
    port: int
    pid: int | None = None
    rss_bytes: int | None = None
    log_file: str | None = None


def _status(service: Service, state: str, pid: int | None) -> ServiceStatus:
    return ServiceStatus(
        name=service.name, state=state, port=service.port, pid=pid,
        rss_bytes=resident_memory(pid) if pid is not None else None,
        log_file=str(service.paths.log_file(service.name)),
    )


def _running_record(service: Service) -> PidRecord | None:
    """The pid record of a live process of ours for `service`; stale pid files are removed."""
    pid_file = service.paths.pid_file(service.name)
    record = read_pid_file(pid_file)
    if record is not None and is_ours(record):
        return record
    pid_file.unlink(missing_ok=True)
    return None


def _wait_healthy(service: Service, record: PidRecord, started_here: bool) -> None:
    log_file = service.paths.log_file(service.name)
    deadline = time.monotonic() + service.health_timeout
    while time.monotonic() < deadline:
        if not is_alive(record.pid):
            service.paths.pid_file(service.name).unlink(missing_ok=True)
            problem = last_problem_line(log_file)
            raise PlatformError(f"{service.title} exited while starting; see {log_file}" + (f": {problem}" if problem else ""))
        if service.healthy():
            return
        time.sleep(0.5)
    if started_here:
        # Leave nothing half-started behind.
        terminate(record, service.stop_grace)
        service.paths.pid_file(service.name).unlink(missing_ok=True)
    raise PlatformError(f"{service.title} did not pass its health check within {service.health_timeout:.0f} s; see {log_file}")


def start_service(service: Service) -> ServiceStatus:
    """Start `service` and wait until healthy, or reuse the healthy instance already running."""
    record = _running_record(service)
    if record is not None:
        if record.port != service.port:
            raise PlatformError(
                f"{service.title} already runs on port {record.port} (pid {record.pid}) but the settings ask for port "
                f"{service.port}: run `rtdp stack down` first")
        _wait_healthy(service, record, started_here=False)
        return _status(service, "already running", record.pid)
    for port in service.ports:
        if port_in_use(service.host, port):
            raise PlatformError(
                f"port {service.host}:{port} needed by the {service.title} is taken by a process this stack did not "
                f"start: stop that process or change the port in the settings")
    service.prepare()
    command = service.command()
    pid = launch(command, service.paths.log_file(service.name), cwd=service.paths.service_dir(service.name),
                 env={**os.environ, **service.environment()})
    record = PidRecord(pid=pid, port=service.port, command=command)
    write_pid_file(service.paths.pid_file(service.name), record)
    _wait_healthy(service, record, started_here=True)
    return _status(service, "started", pid)


def stop_service(service: Service) -> ServiceStatus:
    """Stop the process of `service` that the stack started (SIGTERM, then SIGKILL)."""
    pid_file = service.paths.pid_file(service.name)
    record = read_pid_file(pid_file)
    stopped = record is not None and terminate(record, service.stop_grace)
    pid_file.unlink(missing_ok=True)
    return ServiceStatus(name=service.name, state="stopped" if stopped else "not running", port=service.port,
                         pid=record.pid if stopped else None, log_file=str(service.paths.log_file(service.name)))


def service_status(service: Service) -> ServiceStatus:
    """Running (with pid and resident memory) if a process of ours serves it, else stopped."""
    record = _running_record(service)
    if record is None:
        return _status(service, "stopped", None)
    return _status(service, "running", record.pid)
