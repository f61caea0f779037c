"""The streaming job's lineage: one run per topic for the job's life, micro-batches summed up."""

from __future__ import annotations

import threading

import pytest

from jobs.stream.batch import BatchReport, StreamOptions, StreamTotals, Totals
from jobs.stream.job import stream_targets
from jobs.stream.stream_lineage import stream_lineage
from lineage_io import read_event_lines

pytestmark = pytest.mark.unit


def _targets(settings, prefix):
    return stream_targets(settings, ["transactions"], StreamOptions(topic_prefix=prefix), dead_letters=None)


def test_topic_run_sums_its_batches(local_settings, event_validator):
    totals = StreamTotals()
    with stream_lineage(local_settings, _targets(local_settings, "t1."), "t1.", totals):
        totals.add(BatchReport("t1.transactions", 0, rows_in=10, silver_rows=8, rejected={"late_event": 2}))
        totals.add(BatchReport("t1.transactions", 1, rows_in=5, silver_rows=4, rejected={"duplicate_event": 1, "late_event": 1}))
        totals.add(BatchReport("t1.other", 0, rows_in=99, silver_rows=99))
    events = read_event_lines(local_settings.lineage_events_path)
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        ("stream", "START"), ("stream.transactions", "START"), ("stream.transactions", "COMPLETE"), ("stream", "COMPLETE")]
    for event in events:
        event_validator.validate(event)
    complete = events[2]
    assert complete["job"]["facets"]["jobType"]["processingType"] == "STREAMING"
    assert [(d["namespace"], d["name"]) for d in complete["inputs"]] == [("kafka://127.0.0.1:9092", "t1.transactions")]
    lake = {layer: local_settings.layer_uri(layer) for layer in ("bronze", "silver", "quarantine", "gold")}
    assert {d["name"]: d["outputFacets"]["outputStatistics"]["rowCount"] for d in complete["outputs"]} == {
        f"{lake['bronze']}/stream_transactions": 15,
        f"{lake['silver']}/stream_transactions": 12,
        f"{lake['quarantine']}/stream_transactions": 4,
        f"{lake['gold']}/fact_transaction_stream": 12,
    }


def test_a_failing_stream_ends_its_runs_with_fail(local_settings):
    with pytest.raises(RuntimeError), stream_lineage(local_settings, _targets(local_settings, ""), "", StreamTotals()):
        raise RuntimeError("the stream of topic transactions stopped")
    events = read_event_lines(local_settings.lineage_events_path)
    assert [(e["job"]["name"], e["eventType"]) for e in events][-2:] == [("stream.transactions", "FAIL"), ("stream", "FAIL")]
    assert events[-1]["run"]["facets"]["errorMessage"]["message"] == "the stream of topic transactions stopped"


def test_running_summaries_only_when_batches_have_run(local_settings, monkeypatch):
    monkeypatch.setattr("jobs.stream.stream_lineage.RUNNING_EVERY_S", 0.0)
    totals = StreamTotals()
    with stream_lineage(local_settings, _targets(local_settings, ""), "", totals) as lineage:
        lineage.tick()  # no batch yet: nothing to say
        totals.add(BatchReport("transactions", 0, rows_in=7, silver_rows=7))
        lineage.tick()
        lineage.tick()  # no new batch since the last summary
    events = read_event_lines(local_settings.lineage_events_path)
    running = [e for e in events if e["eventType"] == "RUNNING"]
    assert [e["job"]["name"] for e in running] == ["stream.transactions"]
    silver = f"{local_settings.layer_uri('silver')}/stream_transactions"
    assert {d["name"]: d["outputFacets"]["outputStatistics"]["rowCount"] for d in running[0]["outputs"]}[silver] == 7


def test_totals_added_by_several_queries_at_once_lose_no_batch():
    totals = StreamTotals()
    topics = ["transactions", "inventory", "behavior", "accounts"]

    def query(topic: str) -> None:
        for batch in range(2000):
            totals.add(BatchReport(topic, batch, rows_in=3, silver_rows=2, rejected={"late_event": 1}))

    threads = [threading.Thread(target=query, args=(topic,)) for topic in topics]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert totals.of("transactions") == Totals(batches=2000, rows_in=6000, silver_rows=4000, rejected=2000)
    assert totals.overall() == Totals(batches=8000, rows_in=24000, silver_rows=16000, rejected=8000)
    assert totals.of("no such topic") == Totals()
