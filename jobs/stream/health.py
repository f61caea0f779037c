"""Is the background stream job healthy? Running, committing micro-batches, not too far behind.

A micro-batch runs only when records wait, so a job that has nothing to read commits nothing and
is still healthy. The verdict, first rule that applies:

- not running: no process of the job (never started, stopped, crashed or killed);
- keys expiring: the job runs under its role's keys (a deployed environment, on the cluster)
  and they expire within KEY_RENEWAL: a restart gives it new ones;
- lag unknown: the broker does not answer, so nothing can be judged;
- stalled: records wait on a topic, but no micro-batch has committed for `stall_seconds`
  (counted from the job's start if it committed none since);
- behind: a topic is more than `max_lag` records ahead of the job;
- healthy otherwise.

Commits are read from the job's progress files (one per finished micro-batch, see progress.py)
and the lag from the broker (lag.py), through `stream_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jobs.config import Settings
from jobs.operate.roles import STREAM_SESSION_SECONDS, runs_on_cluster
from jobs.stream.background import RecordedJob, last_problem, recorded_job, stream_job
from jobs.stream.status import TopicStatus, stream_status
from jobs.stream.topics import EVENT_TOPICS

# Three rounds of the supervision DAG (every 5 minutes) before the keys expire.
KEY_RENEWAL = timedelta(minutes=15)


@dataclass(frozen=True)
class HealthLimits:
    """When a running job counts as unhealthy."""

    stall_seconds: float = 300.0  # records waiting and no micro-batch committed for this long
    max_lag: int = 500_000  # records a topic may be ahead of the job (25 full micro-batches)


@dataclass(frozen=True)
class TopicHealth:
    """One topic as the job sees it (times UTC, naive, like the progress files)."""

    topic: str
    lag: int | None
    last_batch: int | None = None
    last_commit: datetime | None = None
    lag_error: str | None = None


@dataclass(frozen=True)
class StreamHealth:
    """The verdict on the job of one environment and topic prefix, with its evidence."""

    job: str
    running: bool
    pid: int | None
    started_at: datetime | None
    checked_at: datetime
    topics: tuple[TopicHealth, ...]
    healthy: bool
    reason: str

    @property
    def lag(self) -> dict[str, int | None]:
        """Records waiting per topic (None: unknown)."""
        return {topic.topic: topic.lag for topic in self.topics}

    @property
    def seconds_since_commit(self) -> float | None:
        """Seconds since the newest micro-batch of any topic committed; None if none ever did."""
        commits = [topic.last_commit for topic in self.topics if topic.last_commit is not None]
        return (self.checked_at - max(commits)).total_seconds() if commits else None

    def committed_since(self, moment: datetime) -> dict[str, bool]:
        """Per topic: has a micro-batch committed at or after `moment` (UTC, naive)?"""
        return {topic.topic: topic.last_commit is not None and topic.last_commit >= moment for topic in self.topics}


def utc_now() -> datetime:
    """Now in UTC without a zone, as the progress files write their times."""
    return datetime.now(UTC).replace(tzinfo=None)


def judge(recorded: RecordedJob | None, topics: Sequence[TopicHealth], limits: HealthLimits, now: datetime,
          problem: str = "", keys_expire_at: datetime | None = None) -> tuple[bool, str]:
    """The verdict (healthy?, one-line reason) for the job `recorded` (None: never started) seeing
    `topics`; `keys_expire_at`: when the keys of its role expire (None: it runs without a role)."""
    if recorded is None or not recorded.running:
        where = "no pid file: not started, or stopped" if recorded is None else f"pid {recorded.pid} has exited"
        return False, f"not running ({where})" + (f"; last problem in its log: {problem}" if problem else "")
    if keys_expire_at is not None and now >= keys_expire_at - KEY_RENEWAL:
        return False, (f"keys expiring: the keys of its role expire at {keys_expire_at:%Y-%m-%d %H:%M} UTC; "
                       "a restart gives it new ones")
    unknown = [topic for topic in topics if topic.lag is None]
    if unknown:
        return False, f"lag of {unknown[0].topic} unknown: {unknown[0].lag_error}"
    for topic in topics:
        # A job that committed nothing since it started is judged from its start.
        since = max(topic.last_commit, recorded.started_at) if topic.last_commit else recorded.started_at
        idle = (now - since).total_seconds()
        if topic.lag and idle > limits.stall_seconds:
            return False, (f"stalled: {topic.topic} has {topic.lag:,} records waiting and no micro-batch committed for "
                           f"{idle:.0f} s (limit {limits.stall_seconds:.0f} s)")
    for topic in topics:
        if topic.lag > limits.max_lag:
            return False, f"behind: {topic.topic} is {topic.lag:,} records behind (limit {limits.max_lag:,})"
    lags = ", ".join(f"{topic.topic} {topic.lag:,}" for topic in topics)
    commits = [topic.last_commit for topic in topics if topic.last_commit is not None]
    last = f"last micro-batch {(now - max(commits)).total_seconds():.0f} s ago" if commits else "no micro-batch yet"
    return True, f"running (pid {recorded.pid}); lag: {lags}; {last}"


def _topic_health(status: TopicStatus) -> TopicHealth:
    return TopicHealth(topic=status.topic, lag=status.lag, last_batch=status.last_batch, last_commit=status.finished_at,
                       lag_error=status.lag_error)


def check_health(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), topic_prefix: str = "",
                 limits: HealthLimits | None = None) -> StreamHealth:
    """Judge the background job of `settings.env` and `topic_prefix` streaming `topics` (platform names).

    Reads the pid file, the progress files and the broker's offsets; changes nothing.
    """
    job = stream_job(settings, topic_prefix)
    recorded = recorded_job(job)
    topic_health = tuple(_topic_health(status) for status in stream_status(settings, topics, topic_prefix))
    now = utc_now()
    problem = last_problem(job) if recorded is not None and not recorded.running else ""
    # Its keys were issued just before its start (jobs.stream.supervisor).
    keys_expire_at = (recorded.started_at + timedelta(seconds=STREAM_SESSION_SECONDS)
                      if recorded is not None and runs_on_cluster(settings) else None)
    healthy, reason = judge(recorded, topic_health, limits or HealthLimits(), now, problem, keys_expire_at)
    running = recorded is not None and recorded.running
    return StreamHealth(job=job.name, running=running, pid=recorded.pid if running else None,
                        started_at=recorded.started_at if running else None, checked_at=now, topics=topic_health,
                        healthy=healthy, reason=reason)
