"""One micro-batch end to end on local storage (no broker): outputs, exactly once on rerun,
watermark and late events. Dead letters go to an in-memory sink."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.model.contracts import TRANSACTION
from jobs.stream.batch import StreamOptions, process_batch
from jobs.stream.classify import checked_rows, kafka_rows
from jobs.stream.dead_letters import DeadLetter
from jobs.stream.job import stream_target
from jobs.stream.progress import latest_progress
from stream_io import read_lake, transaction_document

pytestmark = pytest.mark.spark

KAFKA_SCHEMA = "key binary, value binary, topic string, partition int, offset long, timestamp timestamp"
DELAY = timedelta(minutes=10)


class MemorySink:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    def send(self, letters: list[DeadLetter]) -> None:
        self.letters.extend(letters)


@pytest.fixture
def target(local_settings, silver_references):
    silver_references(local_settings)
    return stream_target(local_settings, "transactions", StreamOptions(watermark_delay=DELAY), MemorySink())


def _batch(spark, payloads: list[bytes], first_offset: int, partition: int = 0):
    now = datetime.now(UTC)
    rows = [(b"A000001", payload, "transactions", partition, first_offset + index, now) for index, payload in enumerate(payloads)]
    return checked_rows(kafka_rows(spark.createDataFrame(rows, KAFKA_SCHEMA)), TRANSACTION)


def _silver_ids(target) -> list[str]:
    table = read_lake(target.settings, target.layout.silver)
    return sorted(table.column("event_id").to_pylist()) if table is not None else []


def _quarantine(target, batch_id: int) -> list[tuple[str, str]]:
    table = pq.read_table(f"{target.layout.quarantine}/part-{batch_id:012d}.parquet")
    return sorted(zip(table.column("reason").to_pylist(), table.column("record").to_pylist(), strict=True))


def test_a_batch_run_twice_leaves_the_outputs_of_one_run(spark, target):
    valid = [transaction_document(number) for number in range(5)]
    payloads = [json.dumps(document).encode() for document in valid] + [b"{oops", json.dumps(valid[0]).encode()]
    batch = _batch(spark, payloads, first_offset=100)

    first = process_batch(target, batch, 0)
    again = process_batch(target, batch, 0)

    expected_ids = sorted(document["event_id"] for document in valid)
    assert (first.rows_in, first.silver_rows, first.rejected) == (7, 5, {"malformed_json": 1, "duplicate_event": 1})
    assert (again.rows_in, again.silver_rows, again.rejected) == (first.rows_in, first.silver_rows, first.rejected)
    assert _silver_ids(target) == expected_ids
    assert read_lake(target.settings, target.layout.bronze).num_rows == 7
    gold = read_lake(target.settings, target.layout.gold)
    assert sorted(gold.column("transaction_id").to_pylist()) == sorted(document["transaction_id"] for document in valid)
    assert _quarantine(target, 0) == sorted([("malformed_json", "{oops"), ("duplicate_event", payloads[-1].decode())])
    # Dead letters are at-least-once: the rerun sent the malformed record again, byte for byte.
    assert [(letter.reason, letter.value, letter.source_offset) for letter in target.dead_letters.letters] == \
        [("malformed_json", b"{oops", 105)] * 2


def test_the_watermark_of_a_batch_comes_from_the_batches_before_it(spark, target):
    newest = datetime.now(UTC).replace(microsecond=0)
    first = [transaction_document(number, newest - timedelta(minutes=number)) for number in range(3)]
    process_batch(target, _batch(spark, [json.dumps(document).encode() for document in first], 0), 0)

    late = transaction_document(10, newest - DELAY - timedelta(minutes=1))
    in_time = transaction_document(11, newest - DELAY + timedelta(minutes=1))
    repeated = first[2]
    payloads = [json.dumps(document).encode() for document in (late, in_time, repeated)]
    report = process_batch(target, _batch(spark, payloads, 3), 1)

    assert report.watermark == (newest - DELAY).replace(tzinfo=None)
    assert report.rejected == {"late_event": 1, "duplicate_event": 1}
    assert _silver_ids(target) == sorted([document["event_id"] for document in first] + [in_time["event_id"]])
    assert [letter.reason for letter in target.dead_letters.letters] == ["late_event"]
    assert _quarantine(target, 1) == sorted([("late_event", payloads[0].decode()), ("duplicate_event", payloads[2].decode())])
    progress = latest_progress(target.settings, target.layout.progress)
    assert (progress.batch_id, progress.offsets, progress.max_event_time) == (1, {"0": 6}, newest.replace(tzinfo=None))


def test_an_empty_batch_keeps_the_state(spark, target):
    newest = datetime.now(UTC).replace(microsecond=0)
    process_batch(target, _batch(spark, [json.dumps(transaction_document(1, newest)).encode()], 0), 0)
    report = process_batch(target, _batch(spark, [], 0), 1)
    progress = latest_progress(target.settings, target.layout.progress)
    assert (report.rows_in, report.silver_rows) == (0, 0)
    assert (progress.batch_id, progress.offsets, progress.max_event_time) == (1, {"0": 1}, newest.replace(tzinfo=None))


def test_a_fact_before_its_account_is_dead_lettered_and_accepted_when_replayed_after_the_batch_loaded_it(
        spark, target, silver_references):
    newcomer = transaction_document(1, account_id="A000777")
    payload = json.dumps(newcomer).encode()
    first = process_batch(target, _batch(spark, [payload], 0), 0)
    assert (first.silver_rows, first.rejected) == (0, {"unknown_account": 1})
    (letter,) = target.dead_letters.letters
    assert (letter.reason, letter.value) == ("unknown_account", payload)
    assert letter.detail == "account_id A000777 is not in silver accounts"

    # The nightly batch loads the account; the dead letter is produced again, as it was.
    silver_references(target.settings, accounts=("A000001", "A000777"))
    again = process_batch(target, _batch(spark, [letter.value], 1), 1)
    assert (again.silver_rows, again.rejected) == (1, {})
    assert _silver_ids(target) == [newcomer["event_id"]]


def test_a_transaction_sent_again_under_a_new_event_id_is_kept_once(spark, target):
    batch_history = Path(target.settings.layer_uri("silver")) / "transactions"
    batch_history.mkdir(parents=True)
    pq.write_table(pa.table({"transaction_id": ["T00000900"]}), batch_history / "part-00000.parquet")
    (batch_history / "_SUCCESS").touch()
    original = transaction_document(1)
    resent = {**transaction_document(1, amount="999.00"), "transaction_id": original["transaction_id"]}
    process_batch(target, _batch(spark, [json.dumps(original).encode()], 0), 0)
    payloads = [json.dumps(document).encode() for document in
                (resent, transaction_document(2), {**transaction_document(3), "transaction_id": "T00000002"},
                 {**transaction_document(4), "transaction_id": "T00000900"})]
    report = process_batch(target, _batch(spark, payloads, 1), 1)

    assert report.rejected == {"duplicate_transaction_id": 3}
    silver = read_lake(target.settings, target.layout.silver)
    assert sorted(zip(silver.column("transaction_id").to_pylist(), map(str, silver.column("amount").to_pylist()),
                      strict=True)) == sorted([(original["transaction_id"], original["amount"]), ("T00000002", transaction_document(2)["amount"])])
    # Nothing is missing from silver: the first stays, so a repeat goes to quarantine only.
    assert target.dead_letters.letters == []


def test_a_new_process_knows_what_the_stream_accepted_before_it_started(spark, target):
    newest = datetime.now(UTC).replace(microsecond=0)
    first = [transaction_document(number, newest - timedelta(minutes=number)) for number in range(3)]
    process_batch(target, _batch(spark, [json.dumps(document).encode() for document in first], 0), 0)
    process_batch(target, _batch(spark, [json.dumps(transaction_document(5, newest)).encode()], 3), 1)
    payloads = [json.dumps(first[1]).encode(),  # the same event again
                json.dumps({**transaction_document(6, newest), "transaction_id": first[2]["transaction_id"]}).encode(),
                json.dumps(transaction_document(7, newest)).encode()]
    batch = _batch(spark, payloads, 4)

    in_memory = process_batch(target, batch, 2)
    restarted = stream_target(target.settings, "transactions", target.options, MemorySink())
    from_silver = process_batch(restarted, batch, 2)

    assert in_memory.rejected == from_silver.rejected == {"duplicate_event": 1, "duplicate_transaction_id": 1}
    assert _quarantine(target, 2) == sorted([("duplicate_event", payloads[0].decode()),
                                             ("duplicate_transaction_id", payloads[1].decode())])
