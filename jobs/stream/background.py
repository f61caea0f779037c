"""The stream job as a detached background process: its name, command line, pid file and log.

It follows the local stack's rules (jobs.operate.stack.processes): the pid file records the exact
command line launched, and a process counts as the job only while its /proc cmdline still
equals it, so a stop never signals a stranger, even after the pid was recycled. There is one
job per environment and topic prefix, named `stream-<env>` or `stream-<env>-<prefix>`; its pid
file and log live in the state folder of the stack (`.state/pids`, `.state/logs`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pydantic import BaseModel

from jobs.config import Settings
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.processes import (
    PidRecord,
    command_line,
    is_alive,
    is_ours,
    last_problem_line,
    launch,
    read_pid_file,
    terminate,
    write_pid_file,
)
from jobs.stream.topics import prefixed

if TYPE_CHECKING:  # batch.py imports Spark: too heavy for a status command
    from jobs.stream.batch import StreamOptions

# The job serves no port; the pid file format of the stack has one.
NO_PORT = 0
EXEC_SECONDS = 5.0


@dataclass(frozen=True)
class StreamJob:
    """Where the background job of one environment and topic prefix keeps its files."""

    name: str
    pid_file: Path
    log_file: Path
    work_dir: Path

    @property
    def previous_log_file(self) -> Path:
        """The log of the run before the current one: a restart keeps the crash it follows."""
        return self.log_file.with_name(f"{self.name}.previous.log")


@dataclass(frozen=True)
class RecordedJob:
    """What the pid file says, and whether that process still runs (times are UTC, naive)."""

    pid: int
    command: list[str]
    started_at: datetime
    running: bool


def stream_job(settings: Settings, topic_prefix: str = "") -> StreamJob:
    """The background job of `settings.env` for topics under `topic_prefix`."""
    prefix = prefixed("", topic_prefix).rstrip(".")  # validates the prefix like every other command
    name = f"stream-{settings.env}" + (f"-{prefix}" if prefix else "")
    paths = stack_paths(settings)
    return StreamJob(name=name, pid_file=paths.pid_file(name), log_file=paths.log_file(name), work_dir=paths.service_dir(name))


def run_command(settings: Settings, topics: Sequence[str], options: StreamOptions) -> list[str]:
    """`rtdp stream run` for `topics` and `options`, run by this interpreter (which has the
    platform installed, whether it is the project's environment or Airflow's)."""
    command = [sys.executable, "-m", "jobs.stream.cli", "run", "--env", settings.env]
    for topic in topics:
        command += ["--topic", topic]
    command += ["--topic-prefix", options.topic_prefix, "--trigger-seconds", str(options.trigger_seconds),
                "--watermark-delay", str(options.watermark_delay.total_seconds()),
                "--max-future", str(options.max_future.total_seconds())]
    if options.max_offsets_per_trigger is not None:
        command += ["--max-offsets", str(options.max_offsets_per_trigger)]
    return command


def job_environment(settings: Settings) -> dict[str, str]:
    """This process's environment plus every value of `settings` as an RTDP_ variable, so the
    job loads exactly these settings, whatever overrides produced them."""
    environment = dict(os.environ)
    environment["RTDP_HOME"] = str(Path(settings.home).resolve())

    def add(prefix: str, values: dict) -> None:
        for name, value in values.items():
            if isinstance(value, dict):  # a nested section, e.g. spark.cluster
                add(f"{prefix}__{name.upper()}", value)
            # A missing value (e.g. no emulator endpoint) cannot be written as a variable: the
            # job then reads it from the same settings file, where it is missing too.
            elif value is not None:
                environment[f"{prefix}__{name.upper()}"] = str(value)

    for section, values in settings:
        if isinstance(values, BaseModel):
            add(f"RTDP_{section.upper()}", values.model_dump())
    return environment


def recorded_job(job: StreamJob) -> RecordedJob | None:
    """The job the pid file names, running or not; None without a (readable) pid file."""
    record = read_pid_file(job.pid_file)
    if record is None:
        return None
    try:
        started_at = datetime.fromtimestamp(job.pid_file.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:  # removed meanwhile by a stop
        return None
    return RecordedJob(pid=record.pid, command=record.command, started_at=started_at, running=is_ours(record))


def launch_job(job: StreamJob, command: list[str], environment: dict[str, str]) -> int:
    """Start `command` detached, log to the job's log (the previous one kept), write the pid file; the pid."""
    if job.log_file.exists():
        job.log_file.replace(job.previous_log_file)
    pid = launch(command, job.log_file, cwd=job.work_dir, env=environment)
    write_pid_file(job.pid_file, PidRecord(pid=pid, port=NO_PORT, command=command))
    # Popen may return while execve is still replacing the process image; until it is done,
    # /proc/<pid>/cmdline is empty and the new process would not yet count as the job.
    deadline = time.monotonic() + EXEC_SECONDS
    while command_line(pid) is None and is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return pid


def become_job(job: StreamJob, command: list[str], environment: dict[str, str]) -> NoReturn:
    """Replace this process by `command` (a container's main process: output to its console),
    recorded in the pid file under this pid so that status, health and stop find it."""
    write_pid_file(job.pid_file, PidRecord(pid=os.getpid(), port=NO_PORT, command=command))
    job.work_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(job.work_dir)
    os.execve(command[0], command, environment)


def stop_job(job: StreamJob, grace_s: float) -> int | None:
    """SIGTERM the recorded process if it is still the job, SIGKILL after `grace_s`; remove the
    pid file. The pid stopped, or None if no process of the job was running."""
    record = read_pid_file(job.pid_file)
    stopped = record is not None and terminate(record, grace_s)
    job.pid_file.unlink(missing_ok=True)
    return record.pid if stopped else None


def last_problem(job: StreamJob) -> str:
    """The last error line of the job's log, '' if none."""
    return last_problem_line(job.log_file)
