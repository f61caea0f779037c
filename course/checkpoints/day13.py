"""Day 13: the stream applies day 8's business rule: a transaction event above
[rules] max_transaction_amount is rejected as amount_above_limit and sent to the dead-letter
topic with its reason, like any bad event.

This day needs the local Kafka broker: the check starts it when it is not running and reuses it
when it is. It sends events of its own to topics of its own (a fresh prefix), runs the
checkout's stream job once over them (in this process, Spark's output kept in the scratch
folder), then reads silver, the quarantine and the dead-letter topic with plain readers.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from course.checkpoints import environment_variable, local_settings
from course.checkpoints.live_stream import stream_once, transaction_event
from course.grading import Criterion, NotYet, Workspace
from jobs import storage

REASON = "amount_above_limit"
LIMIT = Decimal("500.00")
LIMIT_VARIABLE = "RTDP_RULES__MAX_TRANSACTION_AMOUNT"
AMOUNTS = {"TBELOW": "120.00", "TAT": "500.00", "TABOVE": "500.01", "TFARABOVE": "9800.00"}
MALFORMED = b'{"event_id": "not json'
_runs: dict[str, dict] = {}


def _read_topic(servers: str, topic: str) -> list:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": servers, "group.id": f"course-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.partition.eof": True, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.subscribe([topic])
        done, messages = set(), []
        for _ in range(240):
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                done.add(message.partition())
                if done >= set(partitions):
                    break
                continue
            messages.append(message)
        return messages
    finally:
        consumer.close()


def _stream_once(workspace: Workspace) -> dict:
    """Send the events, run the learner's stream once under the limit; what came out where."""
    if str(workspace.scratch) in _runs:
        return _runs[str(workspace.scratch)]
    payloads = [transaction_event(transaction_id, amount) for transaction_id, amount in AMOUNTS.items()]
    with environment_variable(LIMIT_VARIABLE, str(LIMIT)):
        settings = local_settings(workspace.scratch)
        prefix = stream_once(settings, [*payloads, MALFORMED], workspace.scratch / "spark.log")
    silver = storage.parquet_dataset(settings, storage.join(settings.layer_uri("silver"), "stream_transactions"),
                                     partitioning="hive")
    quarantine = storage.parquet_dataset(settings, storage.join(settings.layer_uri("quarantine"), "stream_transactions"))
    letters = _read_topic(settings.kafka.bootstrap_servers, f"{prefix}transactions.dlq")
    _runs[str(workspace.scratch)] = run = {
        "silver": set(silver.to_table(columns=["transaction_id"]).column(0).to_pylist()) if silver else set(),
        "quarantine": _reasons(quarantine.to_table(columns=["record", "reason"]).to_pylist()) if quarantine else {},
        "letters": [(message.value(), {name: value.decode() for name, value in message.headers() or []})
                    for message in letters],
    }
    return run


def _reasons(rows: list[dict]) -> dict[str, str]:
    """transaction_id -> reason of the quarantined records that parse as JSON."""
    reasons = {}
    for row in rows:
        try:
            reasons[json.loads(row["record"])["transaction_id"]] = row["reason"]
        except (ValueError, KeyError, TypeError):
            continue
    return reasons


def _catalogued_for_both(_: Workspace) -> None:
    from jobs.model.reasons import CATALOGUE, DEAD_LETTER_REASONS

    reason = CATALOGUE.get(REASON)
    if reason is None:
        raise NotYet(f"jobs/model/reasons.py defines no reason {REASON}: day 8 comes first")
    if reason.path != "both":
        raise NotYet(f"{REASON} is catalogued for the {reason.path} path only; it is one rule of both paths")
    if REASON not in DEAD_LETTER_REASONS:
        raise NotYet(f"{REASON} is not a dead-letter reason: a rejected event would reach quarantine only")


def _held_back(workspace: Workspace) -> None:
    run = _stream_once(workspace)
    above = {tx for tx, amount in AMOUNTS.items() if Decimal(amount) > LIMIT}
    kept = above & run["silver"]
    if kept:
        raise NotYet(f"with a limit of {LIMIT}, the stream put {sorted(kept)} into silver (amounts "
                     f"{[AMOUNTS[tx] for tx in sorted(kept)]})")
    lost = (set(AMOUNTS) - above) - run["silver"]
    if lost:
        raise NotYet(f"the stream did not put {sorted(lost)} into silver, although their amounts are at or below {LIMIT}")
    wrong = {tx: run["quarantine"].get(tx) for tx in above if run["quarantine"].get(tx) != REASON}
    if wrong:
        raise NotYet(f"the stream's quarantine gives {wrong} as the reasons; the rule's reason is {REASON}")


def _dead_lettered(workspace: Workspace) -> None:
    run = _stream_once(workspace)
    by_transaction = {}
    for value, headers in run["letters"]:
        try:
            by_transaction[json.loads(value)["transaction_id"]] = headers
        except (ValueError, KeyError, TypeError):
            by_transaction["(malformed)"] = headers
    for tx in (tx for tx, amount in AMOUNTS.items() if Decimal(amount) > LIMIT):
        headers = by_transaction.get(tx)
        if headers is None:
            raise NotYet(f"the dead-letter topic has no letter for {tx}")
        if headers.get("rtdp.reason") != REASON or AMOUNTS[tx] not in headers.get("rtdp.detail", ""):
            raise NotYet(f"the dead letter of {tx} says reason '{headers.get('rtdp.reason')}', detail "
                         f"'{headers.get('rtdp.detail')}'; the detail should name the amount")
    if by_transaction.get("(malformed)", {}).get("rtdp.reason") != "malformed_json":
        raise NotYet("the malformed event sent with them no longer reaches the dead-letter topic as malformed_json")


CRITERIA = (
    Criterion(f"{REASON} is one reason of both paths, and a dead-letter reason", "Step 3: one rule, two paths",
              _catalogued_for_both),
    Criterion("with a limit set, the stream keeps events above it out of silver and quarantines them as "
              "amount_above_limit; events at or below it reach silver", "Step 4: the rule in the stream", _held_back),
    Criterion("each of them is a dead letter whose headers give the reason and, in the detail, the amount; other dead "
              "letters are as before", "Step 4: the rule in the stream", _dead_lettered),
)
