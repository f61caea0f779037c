"""Keep the stream job running: start it in the background, stop it, restart it when unhealthy.

`start_stream` launches `rtdp stream run` detached (jobs.stream.background) and reuses a
healthy job that already runs with the same command. In a deployed environment with a cluster,
the job is the deployed release's, runs its Spark application on the cluster and holds the keys
of the streaming role (jobs.operate.submit.stream_environment); elsewhere it is this checkout's,
in local Spark. `supervise` is what the Airflow DAG
`platform_streaming_supervision` runs every few minutes: judge the job (jobs.stream.health);
if it is unhealthy, stop it (SIGTERM, SIGKILL if it hangs), start it again and wait until it is
serving. The job resumes from its checkpoint, so a restart neither loses nor repeats an event in
silver (see jobs.stream.batch).

Serving means: running, and every topic either has no records waiting or has committed a
micro-batch since the start. With nothing to read there is no micro-batch to wait for; the job
then counts as serving once it runs, and the next check judges it again.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.operate.roles import runs_on_cluster
from jobs.stream.background import (
    StreamJob,
    become_job,
    job_environment,
    last_problem,
    launch_job,
    recorded_job,
    run_command,
    stop_job,
    stream_job,
)
from jobs.stream.batch import StreamOptions
from jobs.stream.health import HealthLimits, StreamHealth, check_health, utc_now
from jobs.stream.topics import EVENT_TOPICS, contract_of

STOP_GRACE_SECONDS = 60.0  # a clean stop finishes or abandons the running micro-batch well within this
RECOVERY_TIMEOUT_SECONDS = 600.0  # Spark start-up plus the first micro-batch, on a busy laptop
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class JobState:
    """Outcome of a start or stop: started | already running | stopped | not running; for a job
    started on a cluster, what runs where, e.g. `release 0.1.0 on spark://... as rtdp-dev-streaming`."""

    name: str
    state: str
    pid: int | None
    log_file: Path
    runs: str = ""


@dataclass(frozen=True)
class Supervision:
    """One round of supervision: the verdict before, whether the job was restarted, the verdict after."""

    before: StreamHealth
    restarted: bool
    after: StreamHealth
    seconds: float

    def summary(self) -> str:
        if not self.restarted:
            return f"{self.before.job} healthy, left alone: {self.before.reason}"
        return (f"{self.before.job} restarted ({self.before.reason}); serving again after {self.seconds:.0f} s: "
                f"{self.after.reason}")


@contextmanager
def _exclusive(job: StreamJob) -> Iterator[None]:
    """Hold the job's lock file: two starts at once (the DAG and a person) must not launch two jobs
    on one checkpoint."""
    lock_file = job.pid_file.with_name(f"{job.name}.lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def start_stream(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), options: StreamOptions | None = None,
                 limits: HealthLimits | None = None, foreground: bool = False) -> JobState:
    """Start the stream job of `settings.env` and `options.topic_prefix` in the background, or
    reuse the one already running with the same topics and options if it is healthy. With
    `foreground`, this process becomes the job instead (a container's main process) and never returns.

    Does not wait for it to serve (see `wait_until_serving`). Raises PlatformError if a job runs
    with other options, or runs but is unhealthy.
    """
    options = options or StreamOptions()
    if options.once:
        raise PlatformError("a background stream job runs until stopped: leave out once (--once)")
    for topic in topics:
        contract_of(topic)
    job = stream_job(settings, options.topic_prefix)
    command = run_command(settings, topics, options)
    with _exclusive(job):
        recorded = recorded_job(job)
        if recorded is not None and recorded.running:
            # The interpreter may differ (project or Airflow environment): the job is the same.
            if recorded.command[1:] != command[1:]:
                raise PlatformError(f"the stream job {job.name} already runs (pid {recorded.pid}) with other topics or "
                                    f"options: stop it first (`rtdp stream stop`)")
            health = check_health(settings, topics, options.topic_prefix, limits)
            if not health.healthy:
                raise PlatformError(f"the stream job {job.name} runs (pid {recorded.pid}) but is unhealthy: {health.reason}; "
                                    f"`rtdp stream supervise` restarts it")
            return JobState(job.name, "already running", recorded.pid, job.log_file)
        environment, runs = job_environment(settings), ""
        if runs_on_cluster(settings):
            from jobs.operate.submit import stream_environment

            cluster, runs = stream_environment(settings)
            environment |= cluster
        if foreground:
            print(f"stream job {job.name}: starting in the foreground" + (f" from {runs}" if runs else ""), flush=True)
            become_job(job, command, environment)
        pid = launch_job(job, command, environment)
    return JobState(job.name, "started", pid, job.log_file, runs)


def stop_stream(settings: Settings, topic_prefix: str = "", grace_s: float = STOP_GRACE_SECONDS) -> JobState:
    """Stop the background job of `settings.env` and `topic_prefix` if it runs: SIGTERM (the job
    stops its queries and exits), SIGKILL after `grace_s`. A process it did not start is never signalled."""
    job = stream_job(settings, topic_prefix)
    pid = stop_job(job, grace_s)
    return JobState(job.name, "stopped" if pid is not None else "not running", pid, job.log_file)


def wait_until_serving(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), topic_prefix: str = "",
                       since: datetime | None = None, timeout_s: float = RECOVERY_TIMEOUT_SECONDS,
                       limits: HealthLimits | None = None) -> StreamHealth:
    """Wait until the job runs and every topic has nothing waiting or committed a micro-batch at
    or after `since` (UTC, naive; default: the job's start); return that health.

    Raises PlatformError if the job exits (quoting its log) or does not serve within `timeout_s`;
    a job still starting is left running.
    """
    job = stream_job(settings, topic_prefix)
    deadline = time.monotonic() + timeout_s
    while True:
        health = check_health(settings, topics, topic_prefix, limits)
        if not health.running:
            problem = last_problem(job)
            raise PlatformError(f"the stream job {job.name} is not running; see {job.log_file}" + (f": {problem}" if problem else ""))
        start = since or health.started_at
        committed = health.committed_since(start)
        if all(topic.lag == 0 or committed[topic.topic] for topic in health.topics):
            return health
        if time.monotonic() >= deadline:
            raise PlatformError(f"the stream job {job.name} committed no micro-batch within {timeout_s:.0f} s of its "
                                f"start: {health.reason}; see {job.log_file}")
        time.sleep(POLL_SECONDS)


def supervise(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), options: StreamOptions | None = None,
              limits: HealthLimits | None = None, recovery_timeout_s: float = RECOVERY_TIMEOUT_SECONDS,
              stop_grace_s: float = STOP_GRACE_SECONDS) -> Supervision:
    """Check the job; if unhealthy, restart it with `topics` and `options` and wait until it serves.

    Raises PlatformError when the broker cannot be asked (a restart would not help) or the
    restarted job does not serve within `recovery_timeout_s`.
    """
    options = options or StreamOptions()
    began = time.monotonic()
    before = check_health(settings, topics, options.topic_prefix, limits)
    if before.healthy:
        return Supervision(before, restarted=False, after=before, seconds=0.0)
    if before.running and any(topic.lag is None for topic in before.topics):
        raise PlatformError(f"cannot judge the stream job {before.job}: {before.reason}")
    stop_stream(settings, options.topic_prefix, stop_grace_s)
    restarted_at = utc_now()
    start_stream(settings, topics, options, limits)
    after = wait_until_serving(settings, topics, options.topic_prefix, restarted_at, recovery_timeout_s, limits)
    return Supervision(before, restarted=True, after=after, seconds=time.monotonic() - began)
