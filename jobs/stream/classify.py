"""One micro-batch of Kafka records as DataFrames: bronze rows, and every record classified as
accepted (for silver) or rejected with one reason (see jobs.model.reasons).

Pure DataFrame functions, no I/O, so each rule can be tried on a handful of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.functions import pandas_udf

from jobs.model.contracts import CONTRACTS, EventContract, check_event
from jobs.model.reasons import DUPLICATE_EVENT, EVENT_TIME_IN_FUTURE, LATE_EVENT, SCHEMA_VIOLATION
from jobs.model.references import STREAM_RULES, BusinessKey, Reference

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
    unconverted = F.coalesce(*[
        F.when(typed[name].isNull(), F.lit(f"{name}: the value does not convert to {sql_type}"))
        for name, sql_type in contract.silver_types.items()
    ])
    accepted_by_contract = F.col("_verdict.reason").isNull()
    return verdict.select(
        *KAFKA_COLUMNS,
        "key",
        "value",
        *[typed[name].alias(name) for name in contract.silver_types],
        F.coalesce(F.col("_verdict.reason"), F.when(accepted_by_contract & unconverted.isNotNull(), F.lit(SCHEMA_VIOLATION)))
        .alias(REASON),
        F.coalesce(F.col("_verdict.detail"), F.when(accepted_by_contract, unconverted)).alias(DETAIL),
    )


def _flag(frame: DataFrame, reason: str, failed: Column, detail: Column) -> DataFrame:
    """Give rows that still pass and meet `failed` the `reason` and `detail`."""
    hit = F.col(REASON).isNull() & failed
    return frame.select(
        *[F.col(name) for name in frame.columns if name not in (REASON, DETAIL)],
        F.when(hit, F.lit(reason)).otherwise(F.col(REASON)).alias(REASON),
        F.when(hit, detail).otherwise(F.col(DETAIL)).alias(DETAIL),
    )


def flag_future(frame: DataFrame, max_future: timedelta) -> DataFrame:
    """event_time later than the record's Kafka timestamp plus `max_future` -> event_time_in_future."""
    seconds = int(max_future.total_seconds())
    limit = F.col("kafka_timestamp") + F.expr(f"INTERVAL {seconds} SECONDS")
    detail = F.format_string(f"event_time %s is more than {seconds} s after the Kafka timestamp %s",
                             F.col("event_time").cast("string"), F.col("kafka_timestamp").cast("string"))
    return _flag(frame, EVENT_TIME_IN_FUTURE, F.col("event_time") > limit, detail)


def flag_late(frame: DataFrame, watermark: datetime | None) -> DataFrame:
    """event_time older than the watermark -> late_event; without a watermark nothing is late."""
    if watermark is None:
        return frame
    detail = F.format_string(f"event_time %s is older than the watermark {watermark.isoformat(sep=' ')}",
                             F.col("event_time").cast("string"))
    return _flag(frame, LATE_EVENT, F.col("event_time") < _timestamp_literal(watermark), detail)


def flag_duplicates(frame: DataFrame, seen: DataFrame | None) -> DataFrame:
    """event_id already in `seen` (silver so far) or on an earlier passing record of this batch
    (lower partition, then offset) -> duplicate_event."""
    if seen is not None:
        seen_ids = seen.select(F.col("event_id").alias("_seen_id")).distinct()
        frame = frame.join(seen_ids, F.col("event_id") == F.col("_seen_id"), "left")
        frame = _flag(frame, DUPLICATE_EVENT, F.col("_seen_id").isNotNull(),
                      F.lit("event_id is already in silver")).drop("_seen_id")
    return _flag_repeats(frame, "event_id", DUPLICATE_EVENT)


def _flag_repeats(frame: DataFrame, column: str, reason: str) -> DataFrame:
    """A passing record whose `column` repeats an earlier passing record of the batch -> `reason`."""
    passing = F.col(REASON).isNull()
    order = Window.partitionBy(passing, column).orderBy("kafka_partition", "kafka_offset")
    earlier = F.format_string(f"{column} repeats the record at partition %d, offset %d",
                              F.first("kafka_partition").over(order), F.first("kafka_offset").over(order))
    return _flag(frame, reason, F.row_number().over(order) > 1, earlier)


def _flag_in(frame: DataFrame, column: str, keys: DataFrame, reason: str, *, when_found: bool, detail: Column) -> DataFrame:
    """Give passing rows `reason` when `column` is (`when_found`) or is not among `keys`' first column."""
    matched = frame.join(keys.select(F.col(keys.columns[0]).alias("_key")).distinct(),
                         F.col(column) == F.col("_key"), "left")
    found = F.col("_key").isNotNull()
    return _flag(matched, reason, found if when_found else ~found, detail).drop("_key")


def flag_unknown_references(frame: DataFrame, references: tuple[Reference, ...],
                            known: Mapping[str, DataFrame]) -> DataFrame:
    """The batch's reference rules (jobs.model.references) against `known`, the batch's silver
    keys per dataset; a dataset the batch has not written yet knows no key."""
    for reference in references:
        column, dataset = reference.column, reference.dataset
        if dataset in known:
            detail = F.format_string(f"{column} %s is not in silver {dataset}", F.col(column))
            frame = _flag_in(frame, column, known[dataset], reference.reason, when_found=False, detail=detail)
        else:
            detail = F.format_string(f"{column} %s is not in silver {dataset}: the batch pipeline has not loaded it yet",
                                     F.col(column))
            frame = _flag(frame, reference.reason, F.lit(True), detail)
    return frame


def flag_repeated_key(frame: DataFrame, key: BusinessKey | None, seen: DataFrame | None,
                      known: Mapping[str, DataFrame]) -> DataFrame:
    """The batch's business key: already in the batch's silver (`known`), in the stream's
    silver (`seen`) or on an earlier passing record of this batch -> its reason."""
    if key is None:
        return frame
    for earlier, where in ((known.get(key.dataset), f"the batch's silver {key.dataset}"),
                           (seen.select(key.column) if seen is not None else None, "the stream's silver")):
        if earlier is not None:
            detail = F.format_string(f"{key.column} %s is already in {where}", F.col(key.column))
            frame = _flag_in(frame, key.column, earlier, key.reason, when_found=True, detail=detail)
    return _flag_repeats(frame, key.column, key.reason)


def classify(rows: DataFrame, contract: EventContract, *, watermark: datetime | None, max_future: timedelta,
             seen: DataFrame | None, known: Mapping[str, DataFrame]) -> DataFrame:
    """Every Kafka row with the contract's typed fields and REASON (NULL = accepted) and DETAIL.

    `seen`: the stream's silver since the watermark (event_id and the business key, if any);
    `known`: the batch's silver keys per dataset (jobs.stream.silver_keys)."""
    rules = STREAM_RULES[contract.name]
    checked = checked_rows(rows, contract)
    checked = flag_duplicates(flag_late(flag_future(checked, max_future), watermark), seen)
    checked = flag_unknown_references(checked, rules.references, known)
    return flag_repeated_key(checked, rules.business_key, seen, known)


def silver_rows(classified: DataFrame, contract: EventContract, batch_id: int, ingest_time: datetime) -> DataFrame:
    """The accepted events: contract fields, their Kafka position, ingest time, event_date, batch_id."""
    return classified.filter(F.col(REASON).isNull()).select(
        *contract.silver_types,
        *KAFKA_COLUMNS,
        _timestamp_literal(ingest_time).alias("ingest_time"),
        F.to_date("event_time").alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
    )
