"""Where the stream of one topic keeps its data, in the environment's storage (local or S3).

    <bronze>/stream_<topic>/event_date=YYYY-MM-DD/batch_id=N/   every record as received
    <silver>/stream_<topic>/event_date=YYYY-MM-DD/batch_id=N/   typed, de-duplicated events
    <gold>/fact_transaction_stream/batch_id=N/                  fact_transaction rows (transactions only)
    <quarantine>/stream_<topic>/part-<N>.parquet                rejected events with a reason
    <silver>/_checkpoints/stream_<topic>/spark/                 Spark's offsets and commits
    <silver>/_checkpoints/stream_<topic>/progress/<N>.json      watermark and offsets after batch N

Every output of micro-batch N lives under a name that contains N, so a batch that runs again
after a crash replaces exactly what its first attempt wrote: that is the exactly-once rule.
`<topic>` is the topic name without prefix: one prefix per storage location.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobs import storage
from jobs.config import Settings
from jobs.model.contracts import TRANSACTION, EventContract

# Contract -> the gold fact its silver events extend.
GOLD_FACTS = {TRANSACTION.name: "fact_transaction"}
STREAM_SUFFIX = "_stream"


@dataclass(frozen=True)
class StreamLayout:
    dataset: str
    bronze: str
    silver: str
    quarantine: str
    gold: str | None
    checkpoint: str
    progress: str


def stream_dataset(topic: str) -> str:
    return f"stream_{topic}"


def gold_stream_table(contract: EventContract) -> str | None:
    """The gold folder a contract's stream writes to, e.g. fact_transaction_stream; None if none."""
    fact = GOLD_FACTS.get(contract.name)
    return fact + STREAM_SUFFIX if fact else None


def stream_layout(settings: Settings, topic: str, contract: EventContract) -> StreamLayout:
    dataset = stream_dataset(topic)
    checkpoints = storage.join(settings.layer_uri("silver"), "_checkpoints", dataset)
    gold_table = gold_stream_table(contract)
    return StreamLayout(
        dataset=dataset,
        bronze=storage.join(settings.layer_uri("bronze"), dataset),
        silver=storage.join(settings.layer_uri("silver"), dataset),
        quarantine=storage.join(settings.layer_uri("quarantine"), dataset),
        gold=storage.join(settings.layer_uri("gold"), gold_table) if gold_table else None,
        checkpoint=storage.join(checkpoints, "spark"),
        progress=storage.join(checkpoints, "progress"),
    )
