"""Dead letters: rejected events sent to `<topic>.dlq` with the reason and the original payload.

The message keeps the original key and value byte for byte; headers say why and where from:
`rtdp.reason`, `rtdp.detail`, `rtdp.source` (topic/partition/offset) and `rtdp.batch_id`.
A micro-batch that runs again after a crash sends its dead letters again, so the dead-letter
topic is at-least-once: `rtdp.source` identifies a dead letter uniquely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from jobs.errors import PlatformError
from jobs.stream.producer import idempotent_producer
from jobs.stream.topics import dead_letter_topic

REASON_HEADER = "rtdp.reason"
DETAIL_HEADER = "rtdp.detail"
SOURCE_HEADER = "rtdp.source"
BATCH_HEADER = "rtdp.batch_id"


@dataclass(frozen=True)
class DeadLetter:
    key: bytes | None
    value: bytes | None
    reason: str
    detail: str | None
    source_topic: str
    source_partition: int
    source_offset: int
    batch_id: int

    @property
    def source(self) -> str:
        return f"{self.source_topic}/{self.source_partition}/{self.source_offset}"

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            (REASON_HEADER, self.reason.encode()),
            (DETAIL_HEADER, (self.detail or "").encode()),
            (SOURCE_HEADER, self.source.encode()),
            (BATCH_HEADER, str(self.batch_id).encode()),
        ]


class DeadLetterSink(Protocol):
    def send(self, letters: list[DeadLetter]) -> None:
        """Deliver every letter or raise: a batch must not finish with a letter unsent."""


class KafkaDeadLetters:
    """Sends dead letters with the idempotent producer and waits for every acknowledgement."""

    def __init__(self, bootstrap_servers: str, timeout_s: float = 60) -> None:
        self._producer = idempotent_producer(bootstrap_servers, delivery_timeout_s=timeout_s)
        self._timeout_s = timeout_s

    def close(self) -> None:
        """Let the producer go: a live one keeps reconnecting, and logging so, after the broker stops."""
        self._producer = None

    def send(self, letters: list[DeadLetter]) -> None:
        errors: list[str] = []
        acknowledged = 0

        def report(error, _message) -> None:
            nonlocal acknowledged
            if error is None:
                acknowledged += 1
            else:
                errors.append(error.str())

        for letter in letters:
            topic = dead_letter_topic(letter.source_topic)
            while True:
                try:
                    self._producer.produce(topic, key=letter.key, value=letter.value, headers=letter.headers(), on_delivery=report)
                    break
                except BufferError:
                    self._producer.poll(0.05)
        self._producer.flush(self._timeout_s)
        if acknowledged < len(letters):
            cause = errors[0] if errors else f"no acknowledgement within {self._timeout_s:.0f} s"
            raise PlatformError(f"{len(letters) - acknowledged} of {len(letters)} dead letters were not delivered: {cause}")
