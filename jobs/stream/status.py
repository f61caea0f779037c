"""`rtdp stream status`: where each topic's stream stands, from its progress files and the broker."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.stream.freshness import merged, percentile
from jobs.stream.lag import KafkaLag
from jobs.stream.layout import stream_layout
from jobs.stream.progress import BatchProgress, latest_progress, progress_since
from jobs.stream.topics import EVENT_TOPICS, contract_of, prefixed

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Activity:
    """What a stream did over a window: batches, records per second, the median batch time and
    the freshness percentiles of the events it accepted (seconds)."""

    batches: int = 0
    events_per_second: float = 0.0
    median_batch_seconds: float | None = None
    freshness: dict[str, float | None] = field(default_factory=dict)  # "p50", "p95", "p99"


def activity(batches: Sequence[BatchProgress], window: timedelta) -> Activity:
    """The activity of `batches` (those that finished within `window`)."""
    if not batches:
        return Activity()
    times = [(batch.finished_at - batch.started_at).total_seconds() for batch in batches if batch.started_at]
    counts = merged(batch.freshness for batch in batches)
    return Activity(
        batches=len(batches),
        events_per_second=sum(batch.counts.get("rows_in", 0) for batch in batches) / window.total_seconds(),
        median_batch_seconds=statistics.median(times) if times else None,
        freshness={f"p{share}": percentile(counts, share / 100) for share in (50, 95, 99)},
    )


@dataclass(frozen=True)
class TopicStatus:
    """The last finished micro-batch of one topic's stream, how far the topic is ahead of it,
    and what the stream did in the last minute."""

    topic: str
    last_batch: int | None = None
    finished_at: datetime | None = None
    watermark: datetime | None = None
    newest_event_time: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    lag: int | None = None
    lag_error: str | None = None
    last_minute: Activity = field(default_factory=Activity)


def stream_status(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), topic_prefix: str = "",
                  now: datetime | None = None) -> list[TopicStatus]:
    """One status per topic (platform names); lag is None with `lag_error` set if the broker does
    not answer. `now`: naive UTC, the end of the last minute (default: the clock)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    probe = KafkaLag(settings.kafka.bootstrap_servers)
    statuses = []
    try:
        for topic in topics:
            layout = stream_layout(settings, topic, contract_of(topic))
            broker_topic = prefixed(topic, topic_prefix)
            progress = latest_progress(settings, layout.progress)
            lag, lag_error = None, None
            try:
                lag = probe.lag(broker_topic, progress.offsets if progress else {})
            except PlatformError as error:
                lag_error = str(error)
            if progress is None:
                statuses.append(TopicStatus(broker_topic, lag=lag, lag_error=lag_error))
                continue
            last_minute = activity(progress_since(settings, layout.progress, now - WINDOW), WINDOW)
            statuses.append(TopicStatus(broker_topic, progress.batch_id, progress.finished_at, progress.watermark,
                                        progress.max_event_time, progress.counts, lag, lag_error, last_minute))
    finally:
        probe.close()
    return statuses
