"""The rules of a micro-batch that compare keys, judged on the driver in plain Python: clock
skew, the watermark, duplicate event ids, the batch's references and the business key
(jobs.model.references), in the order of jobs.model.reasons.

A micro-batch is small (a few thousand records), and these rules need only a few columns of
each, so one collect and one pass over the records in Kafka order is cheaper than the joins and
windows the same rules take in Spark. The verdicts depend only on the records, the watermark,
the batch's silver keys and the stream's own keys before this batch (jobs.stream.recent_keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jobs.model.reasons import DUPLICATE_EVENT, EVENT_TIME_IN_FUTURE, LATE_EVENT
from jobs.model.references import BusinessKey, FactRules


@dataclass
class KeyRecord:
    """The columns of one Kafka record that the key rules read, and its verdict so far."""

    partition: int
    offset: int
    kafka_timestamp: datetime | None
    event_time: datetime | None
    event_id: str | None
    keys: dict[str, str | None] = field(default_factory=dict)  # reference and business-key columns
    reason: str | None = None
    detail: str | None = None

    @property
    def position(self) -> tuple[int, int]:
        return self.partition, self.offset


@dataclass(frozen=True)
class StreamKeys:
    """What the stream has accepted into silver since the watermark, before this batch."""

    event_ids: AbstractSet[str] = frozenset()
    business_keys: AbstractSet[str] = frozenset()


def spark_text(moment: datetime) -> str:
    """A timestamp as Spark SQL casts it to text: no trailing zeros in the fraction."""
    return moment.isoformat(sep=" ", timespec="microseconds").rstrip("0").rstrip(".")


def judge(records: list[KeyRecord], rules: FactRules, *, watermark: datetime | None, max_future: timedelta,
          seen: StreamKeys, known: Mapping[str, AbstractSet[str]]) -> None:
    """Give each record that passed the contract the first key rule it breaks (in place), and
    sort `records` by partition and offset: "earlier in the batch" means that order.

    `seen`: the stream's accepted keys since the watermark; `known`: the batch's silver keys per
    dataset (jobs.stream.silver_keys), a dataset the batch has not written yet knowing none.
    Every rule but the repeats looks at one record alone, so one pass in order applies them in
    turn: a record counts as the first of its key only if it passed the rules before that one."""
    records.sort(key=lambda record: record.position)
    first_events: dict[str | None, KeyRecord] = {}
    first_keys: dict[str | None, KeyRecord] = {}
    key = rules.business_key
    for record in records:
        if record.reason is not None:
            continue
        verdict = (_time_rules(record, watermark, max_future)
                   or _repeat(record, "event_id", record.event_id, first_events, DUPLICATE_EVENT,
                              "event_id is already in silver" if record.event_id in seen.event_ids else None)
                   or _references(record, rules, known)
                   or (key and _repeat(record, key.column, record.keys[key.column], first_keys, key.reason,
                                       _already(record.keys[key.column], key, seen, known))))
        if verdict:
            record.reason, record.detail = verdict


Verdict = tuple[str, str] | None


def _time_rules(record: KeyRecord, watermark: datetime | None, max_future: timedelta) -> Verdict:
    if record.event_time > record.kafka_timestamp + max_future:
        return EVENT_TIME_IN_FUTURE, (f"event_time {spark_text(record.event_time)} is more than "
                                      f"{int(max_future.total_seconds())} s after the Kafka timestamp "
                                      f"{spark_text(record.kafka_timestamp)}")
    if watermark is not None and record.event_time < watermark:
        return LATE_EVENT, f"event_time {spark_text(record.event_time)} is older than the watermark {watermark.isoformat(sep=' ')}"
    return None


def _repeat(record: KeyRecord, column: str, value: str | None, first: dict[str | None, KeyRecord], reason: str,
            already: str | None) -> Verdict:
    """`reason` if `value` is already held elsewhere (`already` says where) or on an earlier
    passing record of the batch; otherwise the record becomes the first of `value`."""
    if already:
        return reason, already
    earlier = first.setdefault(value, record)
    if earlier is not record:
        return reason, f"{column} repeats the record at partition {earlier.partition}, offset {earlier.offset}"
    return None


def _references(record: KeyRecord, rules: FactRules, known: Mapping[str, AbstractSet[str]]) -> Verdict:
    for reference in rules.references:
        value, dataset = record.keys[reference.column], reference.dataset
        if dataset not in known:
            return reference.reason, (f"{reference.column} {value} is not in silver {dataset}: "
                                      "the batch pipeline has not loaded it yet")
        if value not in known[dataset]:
            return reference.reason, f"{reference.column} {value} is not in silver {dataset}"
    return None


def _already(value: str | None, key: BusinessKey, seen: StreamKeys, known: Mapping[str, AbstractSet[str]]) -> str | None:
    """Where the business key `value` is already held: the batch's silver, then the stream's."""
    if value in known.get(key.dataset, ()):
        return f"{key.column} {value} is already in the batch's silver {key.dataset}"
    if value in seen.business_keys:
        return f"{key.column} {value} is already in the stream's silver"
    return None
