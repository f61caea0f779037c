"""One micro-batch of Kafka records as DataFrames: bronze rows, and every record classified as
accepted (for silver) or rejected with one reason (see jobs.model.reasons).

Pure functions of the batch's rows, no I/O, so each rule can be tried on a handful of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.functions import pandas_udf

from jobs.model.contracts import CONTRACTS, EventContract, check_event
from jobs.model.reasons import SCHEMA_VIOLATION
from jobs.model.references import STREAM_RULES
from jobs.stream.key_rules import KeyRecord, StreamKeys, judge

KAFKA_COLUMNS = ("kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp")
REASON = "_reason"
DETAIL = "_detail"


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


def bronze_rows(rows: DataFrame, batch_id: int, ingest_time: datetime) -> DataFrame:
    """Every record as received plus when it was ingested; event_date is the day of the
    event_time it claims, or of its Kafka timestamp when it claims none that parses."""
    claimed = utc_timestamp(F.get_json_object(F.col("value").cast("string"), "$.event_time"))
    return rows.select(
        *KAFKA_COLUMNS,
        "key",
        "value",
        _timestamp_literal(ingest_time).alias("ingest_time"),
        F.to_date(F.coalesce(claimed, F.col("kafka_timestamp"))).alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
    )


def _verdicts(contract_name: str):
    """A vectorised UDF: payload -> (reason, detail) by jobs.model.contracts.check_event."""

    def check(payloads: pd.Series) -> pd.DataFrame:
        contract = CONTRACTS[contract_name]
        verdicts = [check_event(contract, payload) for payload in payloads]
        return pd.DataFrame({"reason": [v.reason for v in verdicts], "detail": [v.detail for v in verdicts]})

    # Non-deterministic only so that Spark runs it once per record instead of once per use.
    return pandas_udf(check, "reason string, detail string").asNondeterministic()


def _converted(text: Column, sql_type: str) -> Column:
    if sql_type == "string":
        return text
    if sql_type == "timestamp_ntz":
        return utc_timestamp(text)
    return text.try_cast(sql_type)


def checked_rows(rows: DataFrame, contract: EventContract) -> DataFrame:
    """Kafka rows with the contract verdict (REASON, DETAIL) and the typed fields of the contract.

    A field that passes the schema but does not convert to its silver type is a schema_violation,
    so silver never gets a NULL the payload did not have.
    """
    text_schema = T.StructType([T.StructField(name, T.StringType()) for name in contract.silver_types])
    fields = F.from_json(F.col("value").cast("string"), text_schema)
    typed = {name: _converted(fields[name], sql_type) for name, sql_type in contract.silver_types.items()}
    verdict = rows.select("*", _verdicts(contract.name)(F.col("value")).alias("_verdict"))
    checked = verdict.select(
        *KAFKA_COLUMNS,
        "key",
        "value",
        *[typed[name].alias(name) for name in contract.silver_types],
        F.col("_verdict.reason").alias(REASON),
        F.col("_verdict.detail").alias(DETAIL),
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
    checked: DataFrame  # cached, so that the contract check runs once per record

    def unpersist(self) -> None:
        self.checked.unpersist()


def _key_records(checked: DataFrame, columns: tuple[str, ...]) -> list[KeyRecord]:
    rows = checked.select("kafka_partition", "kafka_offset", "kafka_timestamp", "event_id", "event_time", *columns,
                          REASON).collect()
    return [KeyRecord(row["kafka_partition"], row["kafka_offset"], row["kafka_timestamp"], row["event_time"],
                      row["event_id"], {column: row[column] for column in columns}, row[REASON]) for row in rows]


def _with_verdicts(checked: DataFrame, verdicts: list[KeyRecord]) -> DataFrame:
    """`checked` with the key rules' verdicts: a broadcast join, only when there are any."""
    if not verdicts:
        return checked
    found = checked.sparkSession.createDataFrame(
        [(record.partition, record.offset, record.reason, record.detail) for record in verdicts],
        "_partition int, _offset long, _key_reason string, _key_detail string")
    joined = checked.join(F.broadcast(found), (F.col("kafka_partition") == F.col("_partition"))
                          & (F.col("kafka_offset") == F.col("_offset")), "left")
    return joined.select(
        *[F.col(name) for name in checked.columns if name not in (REASON, DETAIL)],
        F.coalesce(REASON, "_key_reason").alias(REASON),
        F.coalesce(DETAIL, "_key_detail").alias(DETAIL),
    )


def classify(rows: DataFrame, contract: EventContract, *, watermark: datetime | None, max_future: timedelta,
             seen: StreamKeys, known: Mapping[str, AbstractSet[str]]) -> Classified:
    """Every Kafka row with the contract's typed fields and REASON (NULL = accepted) and DETAIL:
    the contract check in Spark, then the key rules on the driver (jobs.stream.key_rules).

    `seen`: the stream's accepted keys since the watermark (jobs.stream.recent_keys);
    `known`: the batch's silver keys per dataset (jobs.stream.silver_keys).
    Call `unpersist` on the result when its frame is no longer needed."""
    rules = STREAM_RULES[contract.name]
    checked = checked_rows(rows, contract).persist()
    records = _key_records(checked, rules.key_columns)
    passing = [record for record in records if record.reason is None]
    judge(records, rules, watermark=watermark, max_future=max_future, seen=seen, known=known)
    verdicts = [record for record in passing if record.reason is not None]
    return Classified(_with_verdicts(checked, verdicts), records, checked)


def silver_rows(classified: DataFrame, contract: EventContract, batch_id: int, ingest_time: datetime) -> DataFrame:
    """The accepted events: contract fields, their Kafka position, ingest time, event_date, batch_id."""
    return classified.filter(F.col(REASON).isNull()).select(
        *contract.silver_types,
        *KAFKA_COLUMNS,
        _timestamp_literal(ingest_time).alias("ingest_time"),
        F.to_date("event_time").alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
    )
