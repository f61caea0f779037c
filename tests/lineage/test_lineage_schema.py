"""The JSON schema the events are checked against really rejects bad events (formats included)."""

from __future__ import annotations

import copy

import pytest
from jsonschema import FormatChecker

from jobs.trust.lineage.emit import job_run
from lineage_io import read_event_lines

pytestmark = pytest.mark.unit


@pytest.fixture
def emitted(local_settings) -> list[dict]:
    """START and FAIL of a job that raised, and START and COMPLETE of a child with an output."""
    with pytest.raises(ValueError), job_run(local_settings, "parent", tags={"rtdp.run_id": "r-1"}) as parent:
        with job_run(local_settings, "child", ["raw.transactions"], parent) as child:
            child.output("report.01_revenue_trends", rows=3, schema=[("day", "DATE")])
        raise ValueError("broken input")
    return read_event_lines(local_settings.lineage_events_path)


def test_formats_are_checked_by_the_installed_validators():
    # Without the optional validator packages jsonschema silently skips a format.
    assert {"date-time", "uuid"} <= set(FormatChecker().checkers)


def test_emitted_events_are_valid(emitted, event_validator):
    assert [(event["job"]["name"], event["eventType"]) for event in emitted] == [
        ("parent", "START"), ("child", "START"), ("child", "COMPLETE"), ("parent", "FAIL")]
    for event in emitted:
        event_validator.validate(event)


@pytest.mark.parametrize("damage", [
    lambda e: e.update(eventTime="yesterday at noon"),
    lambda e: e["run"].update(runId="run-1"),
    lambda e: e.update(eventType="FINISHED"),
    lambda e: e.update(producer="no scheme here"),
    lambda e: e["job"].pop("namespace"),
    lambda e: e["run"]["facets"]["errorMessage"].pop("_producer"),
    lambda e: e["run"]["facets"]["errorMessage"].pop("message"),
    lambda e: e["run"]["facets"]["parent"]["run"].update(runId="not-a-uuid"),
], ids=["date-time", "uuid", "event type", "uri", "job namespace", "facet producer", "error message",
        "parent uuid"])
def test_schema_rejects_a_damaged_event(emitted, event_validator, damage):
    failed = copy.deepcopy(emitted[-1])
    failed["run"]["facets"]["parent"] = copy.deepcopy(emitted[1]["run"]["facets"]["parent"])
    event_validator.validate(failed)  # intact, it passes
    damage(failed)
    assert not event_validator.is_valid(failed)


def test_output_facets_are_checked(emitted, event_validator):
    complete = copy.deepcopy(emitted[2])
    complete["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] = -1
    assert not event_validator.is_valid(complete)
    complete = copy.deepcopy(emitted[2])
    del complete["outputs"][0]["facets"]["schema"]["_schemaURL"]
    assert not event_validator.is_valid(complete)
