"""Send events to Kafka with the idempotent producer, at a chosen rate, and account for each one.

`enable.idempotence` with `acks=all`: the broker writes a retried send once and keeps the order
of one key. Every delivery report is checked: the summary counts acknowledged and failed
events, never assumes success.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from jobs.errors import PlatformError
from jobs.stream.events import OutgoingEvent
from jobs.stream.topics import CLIENT_LOG


@dataclass(frozen=True)
class ProduceSummary:
    """What one producer run achieved: `sent` acknowledged by the broker, `failed` not."""

    topic: str
    sent: int
    failed: int
    seconds: float
    first_error: str | None

    @property
    def rate(self) -> float:
        """Acknowledged events per second over the whole run."""
        return self.sent / self.seconds if self.seconds > 0 else 0.0




def idempotent_producer(bootstrap_servers: str, delivery_timeout_s: float = 60) -> Producer:
    return Producer({
        "logger": CLIENT_LOG,
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        # A few milliseconds of batching raises throughput a lot and costs little latency.
        "linger.ms": 5,
        "delivery.timeout.ms": int(delivery_timeout_s * 1000),
    })


class _Deliveries:
    """Counts delivery reports; runs on the thread that calls poll/flush."""

    def __init__(self) -> None:
        self.sent = 0
        self.failed = 0
        self.first_error: str | None = None

    def report(self, error: KafkaError | None, message: Message | None) -> None:
        if error is None:
            self.sent += 1
            return
        self.failed += 1
        self.first_error = self.first_error or error.str()


def produce(bootstrap_servers: str, topic: str, events: Iterable[OutgoingEvent], *,
            rate: float | Callable[[], float] | None = None, duration_s: float | None = None, count: int | None = None,
            stop: threading.Event | None = None, flush_timeout_s: float = 60) -> ProduceSummary:
    """Send `events` to `topic` until the events run out, `count` are sent, `duration_s` passes
    or `stop` is set; at most `rate` events per second if given (a function: the rate now,
    asked after every event).

    Returns once every sent event has a delivery report (or `flush_timeout_s` passed: those
    without one count as failed). Raises PlatformError if the broker is unreachable from the start.
    """
    if isinstance(rate, int | float) and rate <= 0:
        raise PlatformError(f"--rate must be positive, got {rate}")
    producer = idempotent_producer(bootstrap_servers)
    _require_broker(producer, bootstrap_servers)
    deliveries = _Deliveries()
    attempted = 0
    start = due = time.monotonic()
    for event in itertools.islice(events, count):
        # Paced against the start, so a slow moment is caught up instead of lowering the rate.
        if rate is None:
            due = time.monotonic()
        elif not callable(rate):
            due = start + attempted / rate  # not a sum of steps: rounding must not fit one more in
        if duration_s is not None and due - start >= duration_s:
            break
        # poll returns early when it serves a delivery report, hence the loop; short waits keep
        # a stop request from waiting for a slow rate.
        while not _stopped(stop) and (ahead := due - time.monotonic()) > 0:
            producer.poll(min(ahead, 0.2))
        if _stopped(stop):
            break
        _send(producer, topic, event, deliveries)
        attempted += 1
        if callable(rate):
            due += 1 / rate()
    unflushed = producer.flush(flush_timeout_s)
    seconds = time.monotonic() - start
    missing = attempted - deliveries.sent - deliveries.failed
    if unflushed or missing:
        deliveries.failed += missing
        deliveries.first_error = deliveries.first_error or f"no delivery report within {flush_timeout_s:.0f} s"
    return ProduceSummary(topic, deliveries.sent, deliveries.failed, seconds, deliveries.first_error)


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def _send(producer: Producer, topic: str, event: OutgoingEvent, deliveries: _Deliveries) -> None:
    while True:
        try:
            producer.produce(topic, key=event.key, value=event.value, on_delivery=deliveries.report)
            break
        except BufferError:
            producer.poll(0.05)  # the local queue is full: let deliveries drain first
        except KafkaException as error:
            # Refused before sending (e.g. larger than message.max.bytes): a failure, reported
            # like any other, with no delivery report to wait for.
            deliveries.report(error.args[0], None)
            break
    producer.poll(0)


def _require_broker(producer: Producer, bootstrap_servers: str, timeout_s: float = 10) -> None:
    try:
        producer.list_topics(timeout=timeout_s)
    except KafkaException:
        raise PlatformError(f"no Kafka broker answers at {bootstrap_servers}: start the stack with `make up`") from None
