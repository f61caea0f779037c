"""Stream compaction: every hour, rewrite the streaming job's micro-batch files into few large files per folder.

Calls `jobs.stream.compaction.compact_streams` for the platform environment (what `rtdp stream
compact` runs): in each day of the streamed bronze and silver datasets and in the streamed gold
fact, the files of the micro-batches before the stream's last one join the folder's newest compacted
file (until it reaches jobs.stream.compaction.TARGET_BYTES; then a new one starts). It runs beside
the streaming job: readers that list the layers through `jobs.stream.compaction.batch_files` or
read them through `rows_after` (the warehouse, the dashboard, the stream itself) never see a row
twice or miss one. Without it, a
stream at one micro-batch a second adds about 3,600 small files an hour to each layer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import Param, dag, task
from platform_common import START_DATE, default_args, platform_settings

log = logging.getLogger("rtdp.streaming.compaction")


@dag(
    dag_id="platform_stream_compaction",
    schedule="@hourly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # two compactions of one folder would race for the same files
    dagrun_timeout=timedelta(minutes=50),
    default_args=default_args(execution_timeout=timedelta(minutes=45), retries=1),
    params={
        "grace_seconds": Param(30, type="number", minimum=0,
                               description="Seconds between a compaction's commit and the deletion of the files it "
                                           "replaced, for readers that listed them just before"),
    },
    tags=["rtdp", "streaming", "compaction"],
    doc_md=__doc__,
)
def platform_stream_compaction():
    @task
    def compact_stream(params: dict | None = None) -> dict:
        """Compact every streamed folder; return the batches and files each compaction replaced."""
        from jobs.operate.roles import acting_as
        from jobs.stream.compaction import compact_streams

        settings = platform_settings()
        with acting_as(settings, "compact"):
            compactions = compact_streams(settings, grace_s=params["grace_seconds"])
        for done in compactions:
            log.info("compacted %s: batches %d-%d, %d files into one, %d rows", done.folder, done.first, done.last,
                     done.files, done.rows)
        return {"folders": len(compactions), "files": sum(done.files for done in compactions),
                "rows": sum(done.rows for done in compactions)}

    compact_stream()


platform_stream_compaction()
