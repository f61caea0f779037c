"""How far the stream is behind the topic: records on the broker not yet read by the stream."""

from __future__ import annotations

from confluent_kafka import Consumer, KafkaException, TopicPartition

from jobs.errors import PlatformError
from jobs.stream.topics import CLIENT_LOG


class KafkaLag:
    """Asks the broker for each partition's offsets; one consumer, reused, never subscribed."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "rtdp-stream-lag",
                                   "enable.auto.commit": False, "logger": CLIENT_LOG})

    def offset_range(self, topic: str, timeout_s: float = 10) -> dict[str, tuple[int, int]]:
        """Partition (as text, like the progress files) -> (first offset kept, offset after the last)."""
        try:
            partitions = self._consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions
            return {str(partition): self._consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout_s)
                    for partition in partitions}
        except KafkaException as error:
            raise PlatformError(f"cannot read the offsets of Kafka topic '{topic}' on {self._bootstrap_servers}: "
                                f"{error.args[0].str()}") from None

    def lag(self, topic: str, next_offsets: dict[str, int]) -> int:
        """Records of `topic` at or after `next_offsets` (a partition not in it: all its records)."""
        return sum(max(end - next_offsets.get(partition, first), 0)
                   for partition, (first, end) in self.offset_range(topic).items())

    def close(self) -> None:
        self._consumer.close()
