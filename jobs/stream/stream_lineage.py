"""OpenLineage runs of the streaming job: one `stream` run per life of the job, with one
`stream.<topic>` run per topic inside it (kafka.<topic> -> bronze, silver, quarantine and gold
stream datasets). Micro-batches are summarised, not reported one by one: a RUNNING event with
the rows so far at most once a minute, and the totals at COMPLETE when the job stops.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from jobs.config import Settings
from jobs.stream.batch import StreamTarget, StreamTotals
from jobs.trust.lineage.emit import JobRun, job_run

RUNNING_EVERY_S = 60.0


class StreamLineage:
    """The lineage runs of the topics being streamed; `tick` is called from the job's wait loop."""

    def __init__(self, runs: dict[str, tuple[StreamTarget, JobRun]], totals: StreamTotals) -> None:
        self._runs, self._totals = runs, totals
        self._last_summary, self._summarised = time.monotonic(), 0

    def tick(self) -> None:
        """Emit RUNNING summaries if a minute has passed and batches have run since the last one."""
        if time.monotonic() - self._last_summary >= RUNNING_EVERY_S and self._totals.overall().batches > self._summarised:
            self.record_outputs()
            for _, run in self._runs.values():
                run.running()
            self._last_summary = time.monotonic()

    def record_outputs(self) -> None:
        """Set each topic run's outputs to the rows its micro-batches wrote so far."""
        self._summarised = self._totals.overall().batches
        for topic, (target, run) in self._runs.items():
            totals = self._totals.of(topic)
            dataset = target.layout.dataset
            run.output(f"bronze.{dataset}", rows=totals.rows_in)
            run.output(f"silver.{dataset}", rows=totals.silver_rows)
            run.output(f"quarantine.{dataset}", rows=totals.rejected)
            if target.layout.gold:
                # One fact row per accepted transaction event.
                run.output(f"gold.{target.layout.gold.rstrip('/').rsplit('/', 1)[1]}", rows=totals.silver_rows)


@contextmanager
def stream_lineage(settings: Settings, targets: Sequence[StreamTarget], topic_prefix: str,
                   totals: StreamTotals) -> Iterator[StreamLineage]:
    """START the runs now; COMPLETE them with `totals` when the block ends (FAIL if it raises)."""
    # Topics are named with the prefix the stream really uses, which tests may choose.
    settings = settings.model_copy(update={"kafka": settings.kafka.model_copy(update={"topic_prefix": topic_prefix})})
    with ExitStack() as stack:
        parent = stack.enter_context(job_run(settings, "stream", processing="STREAMING"))
        runs = {}
        for target in targets:
            topic = target.topic.removeprefix(topic_prefix)
            runs[target.topic] = (target, stack.enter_context(
                job_run(settings, f"stream.{topic}", [f"kafka.{topic}"], parent, job_type="TASK", processing="STREAMING")))
        lineage = StreamLineage(runs, totals)
        yield lineage
        lineage.record_outputs()
