"""One micro-batch of Kafka records as DataFrames: bronze rows, and every record classified as
accepted (for silver) or rejected with one reason (see jobs.model.reasons).

Pure functions of the batch's rows, no I/O, so each rule can be tried on a handful of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.model.contracts import EventContract, check_event
from jobs.model.reasons import SCHEMA_VIOLATION
from jobs.model.references import STREAM_RULES
from jobs.stream.contract_sql import with_undecided
from jobs.stream.key_rules import KeyRecord, StreamKeys, judge

KAFKA_COLUMNS = ("kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp")
REASON = "_reason"
DETAIL = "_detail"
UNDECIDED = "_undecided"
_TEXTS = "_texts"


def kafka_rows(batch: DataFrame) -> DataFrame:
    """The Kafka source's columns under the names bronze and silver use (timestamps as UTC)."""
    return batch.select(
        F.col("topic").alias("kafka_topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("timestamp").cast(T.TimestampNTZType()).alias("kafka_timestamp"),
        "key",
        "value",
    )


def utc_timestamp(text: Column) -> Column:
    """Contract timestamp text (with Z) as a UTC TIMESTAMP_NTZ; NULL if it does not parse."""
    return text.try_cast(T.TimestampType()).cast(T.TimestampNTZType())


def _timestamp_literal(moment: datetime) -> Column:
    return F.lit(moment.isoformat()).cast(T.TimestampNTZType())


def bronze_rows(checked: DataFrame, batch_id: int, ingest_time: datetime) -> DataFrame:
    """Every record of `checked` (rows of checked_rows) as received plus when it was ingested;
    event_date is the day of the event_time it claims, or of its Kafka timestamp when it claims
    none that parses."""
    return checked.select(
        *KAFKA_COLUMNS,
        "key",
        "value",
        _timestamp_literal(ingest_time).alias("ingest_time"),
        F.to_date(F.coalesce(F.col("event_time"), F.col("kafka_timestamp"))).alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
    )


def _converted(text: Column, sql_type: str) -> Column:
    if sql_type == "string":
        return text
    if sql_type == "timestamp_ntz":
        return utc_timestamp(text)
    return text.try_cast(sql_type)


def checked_rows(rows: DataFrame, contract: EventContract) -> DataFrame:
    """Kafka rows with the typed fields of the contract, REASON and DETAIL, and UNDECIDED.

    The contract check runs in two halves. In Spark, UNDECIDED is FALSE for a payload the
    contract certainly accepts (jobs.stream.contract_sql); for the others, usually none,
    `classify` asks check_event on the driver, and a rejection there replaces REASON and DETAIL.
    A field that does not convert to its silver type is a schema_violation, so silver never gets
    a NULL the payload did not have.
    """
    texts = F.col(_TEXTS)  # a column of its own: from_json(...)[name] would parse the payload once per field
    typed = {name: _converted(texts[name], sql_type) for name, sql_type in contract.silver_types.items()}
    checked = with_undecided(rows, contract, UNDECIDED, _TEXTS).select(
        *KAFKA_COLUMNS,
        "key",
        "value",
        *[typed[name].alias(name) for name in contract.silver_types],
        UNDECIDED,
        F.lit(None).cast("string").alias(REASON),
        F.lit(None).cast("string").alias(DETAIL),
    )
    unconverted = F.coalesce(*[
        F.when(F.col(name).isNull(), F.lit(f"{name}: the value does not convert to {sql_type}"))
        for name, sql_type in contract.silver_types.items()
    ])
    return _flag(checked, SCHEMA_VIOLATION, unconverted.isNotNull(), unconverted)


def _flag(frame: DataFrame, reason: str, failed: Column, detail: Column) -> DataFrame:
    """Give rows that still pass and meet `failed` the `reason` and `detail`."""
    hit = F.col(REASON).isNull() & failed
    return frame.select(
        *[F.col(name) for name in frame.columns if name not in (REASON, DETAIL)],
        F.when(hit, F.lit(reason)).otherwise(F.col(REASON)).alias(REASON),
        F.when(hit, detail).otherwise(F.col(DETAIL)).alias(DETAIL),
    )


@dataclass(frozen=True)
class Classified:
    """A classified micro-batch: its rows for the writes, and their keys and verdicts on the driver."""

    frame: DataFrame  # every record: typed fields, REASON (NULL = accepted), DETAIL
    records: list[KeyRecord]  # the same records, sorted by partition and offset


def _key_records(checked: DataFrame, columns: tuple[str, ...]) -> tuple[list[KeyRecord], dict[tuple[int, int], bytes]]:
    """Each record's keys and verdict so far, and the payloads of the undecided by position."""
    rows = checked.select("kafka_partition", "kafka_offset", "kafka_timestamp", "event_time", "event_id", *columns,
                          REASON, DETAIL, F.when(F.col(UNDECIDED), F.col("value")).alias("_payload")).toArrow().to_pylist()
    records = [KeyRecord(row["kafka_partition"], row["kafka_offset"], row["kafka_timestamp"], row["event_time"],
                         row["event_id"], {column: row[column] for column in columns}, row[REASON], row[DETAIL])
               for row in rows]
    undecided = {(row["kafka_partition"], row["kafka_offset"]): row["_payload"] for row in rows
                 if row["_payload"] is not None}
    return records, undecided


def _with_verdicts(checked: DataFrame, verdicts: list[KeyRecord]) -> DataFrame:
    """`checked` with the verdicts given on the driver, which replace its own: a broadcast join,
    only when there are any."""
    if not verdicts:
        return checked
    found = checked.sparkSession.createDataFrame(
        [(record.partition, record.offset, record.reason, record.detail) for record in verdicts],
        "_partition int, _offset long, _driver_reason string, _driver_detail string")
    joined = checked.join(F.broadcast(found), (F.col("kafka_partition") == F.col("_partition"))
                          & (F.col("kafka_offset") == F.col("_offset")), "left")
    return joined.select(
        *[F.col(name) for name in checked.columns if name not in (REASON, DETAIL)],
        F.when(F.col("_partition").isNull(), F.col(REASON)).otherwise(F.col("_driver_reason")).alias(REASON),
        F.when(F.col("_partition").isNull(), F.col(DETAIL)).otherwise(F.col("_driver_detail")).alias(DETAIL),
    )


def classify(checked: DataFrame, contract: EventContract, *, watermark: datetime | None, max_future: timedelta,
             seen: StreamKeys, known: Mapping[str, AbstractSet[str]]) -> Classified:
    """Every record of a micro-batch with its verdict: `checked` (rows of checked_rows, cached by
    the caller, as one collect reads them) with REASON (NULL = accepted) and DETAIL completed on
    the driver, by check_event for the undecided payloads, then by the key rules
    (jobs.stream.key_rules).

    `seen`: the stream's accepted keys since the watermark (jobs.stream.recent_keys);
    `known`: the batch's silver keys per dataset (jobs.stream.silver_keys)."""
    rules = STREAM_RULES[contract.name]
    records, undecided = _key_records(checked, rules.key_columns)
    in_spark = {record.position: (record.reason, record.detail) for record in records}
    for record in records:
        if record.position in undecided:
            verdict = check_event(contract, undecided[record.position])
            if not verdict.accepted:  # comes first, before any rule Spark applied
                record.reason, record.detail = verdict.reason, verdict.detail
    judge(records, rules, watermark=watermark, max_future=max_future, seen=seen, known=known)
    given = [record for record in records if (record.reason, record.detail) != in_spark[record.position]]
    return Classified(_with_verdicts(checked, given), records)


def silver_rows(classified: DataFrame, contract: EventContract, batch_id: int, ingest_time: datetime) -> DataFrame:
    """The accepted events: contract fields, their Kafka position, ingest time, event_date, batch_id."""
    return classified.filter(F.col(REASON).isNull()).select(
        *contract.silver_types,
        *KAFKA_COLUMNS,
        _timestamp_literal(ingest_time).alias("ingest_time"),
        F.to_date("event_time").alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
    )
