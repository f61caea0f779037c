"""Streaming supervision: every 5 minutes, check the streaming job and restart it when unhealthy.

Calls `jobs.stream.supervisor.supervise` for the platform environment. The job is
`rtdp stream run` on every event topic, in the background with a pid file and a log in the state
folder (what `rtdp stream start` launches). It is unhealthy when it is not running, when records
wait on a topic but no micro-batch has committed for `stall_seconds` (stalled or hung), or when
a topic is more than `max_lag` records ahead of it. Then the task stops it (SIGTERM, SIGKILL if
it hangs), starts it again and waits up to `recovery_timeout_seconds` until it serves again (a
micro-batch committed, or nothing to read); otherwise the task fails and the alert fires. The
job resumes from its checkpoint, so a restart neither loses nor repeats an event in silver.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import Param, dag, task
from platform_common import START_DATE, default_args, platform_settings

log = logging.getLogger("rtdp.streaming.supervision")


@dag(
    dag_id="platform_streaming_supervision",
    schedule="*/5 * * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # two supervisors could restart the job twice over
    dagrun_timeout=timedelta(minutes=30),
    # A restart can take a stop grace (1 min) plus the recovery timeout (10 min).
    default_args=default_args(execution_timeout=timedelta(minutes=20), retries=1),
    params={
        "topic_prefix": Param(None, type=["null", "string"],
                              description="Prefix of the topic names on the broker, e.g. 'dev.' (default: the settings')"),
        "stall_seconds": Param(300, type="number", minimum=1,
                               description="Unhealthy when records wait and no micro-batch committed for this long"),
        "max_lag": Param(500_000, type="integer", minimum=0,
                         description="Unhealthy when a topic is more than this many records ahead of the job"),
        "recovery_timeout_seconds": Param(600, type="number", minimum=1,
                                          description="Seconds a restarted job has to commit a micro-batch"),
    },
    tags=["rtdp", "streaming", "supervision"],
    doc_md=__doc__,
)
def platform_streaming_supervision():
    @task
    def supervise_stream(params: dict | None = None) -> dict:
        """Check the stream job; restart it if unhealthy and wait until it serves again."""
        from jobs.stream.batch import StreamOptions
        from jobs.stream.health import HealthLimits
        from jobs.stream.supervisor import supervise

        settings = platform_settings()
        prefix = params["topic_prefix"]
        outcome = supervise(
            settings,
            options=StreamOptions(topic_prefix=settings.kafka.topic_prefix if prefix is None else prefix),
            limits=HealthLimits(stall_seconds=params["stall_seconds"], max_lag=params["max_lag"]),
            recovery_timeout_s=params["recovery_timeout_seconds"],
        )
        log.info(outcome.summary())
        return {"restarted": outcome.restarted, "before": outcome.before.reason, "after": outcome.after.reason,
                "pid": outcome.after.pid, "lag": outcome.after.lag}

    supervise_stream()


platform_streaming_supervision()
