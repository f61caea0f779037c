"""`rtdp stream status`: where each topic's stream stands, from its progress files and the broker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.stream.lag import KafkaLag
from jobs.stream.layout import stream_layout
from jobs.stream.progress import latest_progress
from jobs.stream.topics import EVENT_TOPICS, contract_of, prefixed


@dataclass(frozen=True)
class TopicStatus:
    """The last finished micro-batch of one topic's stream and how far the topic is ahead of it."""

    topic: str
    last_batch: int | None = None
    finished_at: datetime | None = None
    watermark: datetime | None = None
    newest_event_time: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    lag: int | None = None
    lag_error: str | None = None


def stream_status(settings: Settings, topics: Sequence[str] = tuple(EVENT_TOPICS), topic_prefix: str = "") -> list[TopicStatus]:
    """One status per topic (platform names); lag is None with `lag_error` set if the broker does not answer."""
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
            statuses.append(TopicStatus(broker_topic, progress.batch_id, progress.finished_at, progress.watermark,
                                        progress.max_event_time, progress.counts, lag, lag_error))
    finally:
        probe.close()
    return statuses
