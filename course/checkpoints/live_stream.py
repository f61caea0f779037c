"""What the checks of the stream days share: the local broker, transaction events of their own,
and one run of the learner's stream job over topics no one else uses."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from course.checkpoints import jvm_output_to
from jobs.config import Settings, load_settings

ACCOUNT, PRODUCT = "A000001", "P0001"


def kafka_broker(settings: Settings) -> str:
    """The bootstrap servers of `settings`, starting the local broker first (as `make up` does)
    when nothing answers there."""
    from jobs.operate.stack import stack_up
    from jobs.operate.stack.kafka import parse_bootstrap
    from jobs.operate.stack.processes import accepts_connections

    servers = settings.kafka.bootstrap_servers
    if not accepts_connections(*parse_bootstrap(servers)):
        print(f"  (starting the local Kafka broker on {servers}, as `make up` does)", flush=True)
        stack_up(settings, only=["kafka"])
    return servers


def event_time_text(moment: datetime) -> str:
    """A naive UTC time as the contracts write it: 2026-07-01T09:40:17.000000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transaction_event(transaction_id: str, amount: str, transaction_ts: datetime | None = None, **changes) -> bytes:
    """A transaction event, valid by the contract unless `changes` say otherwise, sent now."""
    now = event_time_text(datetime.now(UTC).replace(tzinfo=None))
    document = {"event_id": str(uuid.uuid4()), "event_version": 1, "event_time": now, "transaction_id": transaction_id,
                "account_id": ACCOUNT, "product_id": PRODUCT, "amount": amount, "quantity": 1,
                "transaction_ts": event_time_text(transaction_ts) if transaction_ts else now, "channel": "online"}
    return json.dumps({**document, **changes}).encode()


def known_account_and_product(settings: Settings) -> None:
    """Silver accounts and products holding the account and product the events above name, as a
    batch run leaves them: the stream checks each event's references against them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jobs import lake, storage

    for dataset, table in {"accounts": pa.table({"account_id": [ACCOUNT]}), "products": pa.table({"product_id": [PRODUCT]})}.items():
        uri = lake.dataset_uri(settings, "silver", dataset)
        storage.write_bytes(settings, storage.join(uri, "_SUCCESS"), b"")
        pq.write_table(table, storage.join(uri, "part-00000.parquet"))


def stream_once(settings: Settings, payloads: list[bytes], log_file: Path) -> str:
    """Send `payloads` to the transactions topic of a fresh prefix and run the checkout's stream
    job once over it (in this process, the JVM's output in `log_file`), against silver that knows
    their account and product; the prefix."""
    from confluent_kafka import Producer

    from jobs.stream.batch import StreamOptions
    from jobs.stream.job import run_stream

    known_account_and_product(settings)
    prefix = f"course{uuid.uuid4().hex[:8]}."
    producer = Producer({"bootstrap.servers": kafka_broker(load_settings("local")), "enable.idempotence": True,
                         "acks": "all"})
    for payload in payloads:
        producer.produce(f"{prefix}transactions", key=ACCOUNT, value=payload)
    producer.flush(30)
    with jvm_output_to(log_file):
        run_stream(settings, ["transactions"], StreamOptions(once=True, topic_prefix=prefix))
    return prefix
