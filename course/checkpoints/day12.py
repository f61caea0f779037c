"""Day 12: a streamed aggregate: every micro-batch of transactions also writes its transactions and
revenue per minute to `<gold>/revenue_per_minute_stream/batch_id=N/`.

This day needs the local Kafka broker: the check starts it when it is not running and reuses it
when it is. It sends transactions with chosen times (and two bad events) to topics of its own,
runs the checkout's stream job once over them (in this process), and sums the folder per minute
with a plain Parquet reader.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from course.checkpoints import local_settings
from course.checkpoints.live_stream import stream_once, transaction_event
from course.grading import Criterion, NotYet, Workspace
from jobs import storage
from jobs.config import Settings

FOLDER = "revenue_per_minute_stream"
# Minutes before now -> amounts of the valid transactions of that minute.
SALES = {3: ("10.00", "20.50", "5.25"), 2: ("100.00", "0.99"), 1: ("42.00",)}
_runs: dict[str, dict] = {}


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _stream_once(workspace: Workspace) -> dict:
    if str(workspace.scratch) in _runs:
        return _runs[str(workspace.scratch)]
    now = datetime.now(UTC).replace(tzinfo=None)
    expected: dict[datetime, list] = defaultdict(lambda: [0, Decimal(0)])
    payloads, number = [], 0
    for minutes_ago, amounts in SALES.items():
        start = _minute(now - timedelta(minutes=minutes_ago))
        for offset, amount in enumerate(amounts):
            number += 1
            payloads.append(transaction_event(f"TMIN{number:04d}", amount, start + timedelta(seconds=7 * offset + 3)))
            expected[start][0] += 1
            expected[start][1] += Decimal(amount)
    payloads += [transaction_event("TBAD0001", "1000.00", _minute(now - timedelta(minutes=1)), channel="carrier pigeon"),
                 b"{not json"]
    settings = local_settings(workspace.scratch)
    stream_once(settings, payloads, workspace.scratch / "spark.log")
    _runs[str(workspace.scratch)] = run = {"expected": {minute: tuple(v) for minute, v in expected.items()},
                                           "settings": settings}
    return run


def _rows(settings: Settings) -> list[dict] | None:
    found = storage.parquet_dataset(settings, storage.join(settings.layer_uri("gold"), FOLDER), partitioning="hive")
    return found.to_table().to_pylist() if found is not None else None


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _layout_has_minutes(workspace: Workspace) -> None:
    from jobs.model.contracts import INVENTORY_MOVEMENT, TRANSACTION
    from jobs.stream.layout import stream_layout

    settings = local_settings(workspace.scratch)
    minutes = getattr(stream_layout(settings, "transactions", TRANSACTION), "minutes", None)
    if minutes != storage.join(settings.layer_uri("gold"), FOLDER):
        raise NotYet(f"the stream layout of transactions names {minutes} for the minutes, not <gold>/{FOLDER}")
    other = getattr(stream_layout(settings, "inventory_movements", INVENTORY_MOVEMENT), "minutes", None)
    if other is not None:
        raise NotYet(f"inventory movements have no amounts, yet their layout names {other} for the minutes")


def _per_minute(workspace: Workspace) -> None:
    run = _stream_once(workspace)
    rows = _rows(run["settings"])
    if rows is None:
        raise NotYet(f"the stream wrote nothing to <gold>/{FOLDER}/")
    missing = {"minute", "transactions", "revenue", "batch_id"} - set(rows[0] if rows else {})
    if rows and missing:
        raise NotYet(f"<gold>/{FOLDER}/ has no column(s) {', '.join(sorted(missing))}")
    found: dict[datetime, list] = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        found[_naive(row["minute"])][0] += row["transactions"]
        found[_naive(row["minute"])][1] += Decimal(str(row["revenue"]))
    shown = {minute: (count, revenue.quantize(Decimal("0.01"))) for minute, (count, revenue) in found.items()}
    if shown != run["expected"]:
        raise NotYet(f"summed per minute, <gold>/{FOLDER}/ gives {_show(shown)}; the accepted events give "
                     f"{_show(run['expected'])}")


def _show(figures: dict) -> str:
    return "; ".join(f"{minute:%H:%M} {count} for {revenue}" for minute, (count, revenue) in sorted(figures.items()))


def _named_by_batch(workspace: Workspace) -> None:
    run = _stream_once(workspace)
    settings = run["settings"]
    silver = storage.parquet_dataset(settings, storage.join(settings.layer_uri("silver"), "stream_transactions"),
                                     partitioning="hive")
    batches = set(silver.to_table(columns=["batch_id"]).column(0).to_pylist())
    written = {row["batch_id"] for row in _rows(settings) or []}
    if written != batches:
        raise NotYet(f"the minutes are under batch_id {sorted(written)}, silver's rows under {sorted(batches)}: each "
                     "micro-batch writes its own batch_id=N folder, so a batch run again replaces only its own rows")


CRITERIA = (
    Criterion(f"the stream layout of transactions has a minutes folder, <gold>/{FOLDER}; other topics have none",
              "Step 4: a streamed aggregate", _layout_has_minutes),
    Criterion(f"each micro-batch writes its accepted transactions and their revenue per minute to <gold>/{FOLDER}/, "
              "bad events left out", "Step 4: a streamed aggregate", _per_minute),
    Criterion("those rows are written per micro-batch, under batch_id=N like silver's", "Step 3: exactly once, by name",
              _named_by_batch),
)
