"""Reading the OpenLineage events file back: one JSON object per line, appended by every job."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# Event types after which a run wrote nothing (more).
UNSUCCESSFUL = ("FAIL", "ABORT")


def read_events(path: Path) -> list[dict]:
    """The events of the file at `path`, in file order; [] when it does not exist.

    A line that is not a JSON object (e.g. cut short by a crash while appending) is skipped
    with a warning: one damaged line must not hide the lineage of every other run.
    """
    if not path.is_file():
        return []
    events = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                event = None
            if isinstance(event, dict) and "run" in event and "job" in event:
                events.append(event)
            else:
                log.warning("%s line %d is not an OpenLineage event: skipped", path, number)
    return events


@dataclass
class RunHistory:
    """Everything the events of one run say: its job, last state and the datasets it touched."""

    run_id: str
    job_namespace: str
    job_name: str
    started_at: str = ""
    last_event_at: str = ""
    state: str = ""
    inputs: dict[tuple[str, str], dict] = field(default_factory=dict)
    outputs: dict[tuple[str, str], dict] = field(default_factory=dict)

    @property
    def succeeded_so_far(self) -> bool:
        return self.state not in UNSUCCESSFUL


def runs_of(events: list[dict]) -> Iterator[RunHistory]:
    """Fold the events into one RunHistory per run id, in the order the runs started.

    Datasets are merged over the run's events (START names the inputs, COMPLETE the outputs;
    a later mention of a dataset replaces the facets of an earlier one).
    """
    runs: dict[str, RunHistory] = {}
    for event in events:
        run_id = event["run"]["runId"]
        run = runs.get(run_id)
        if run is None:
            run = runs[run_id] = RunHistory(run_id, event["job"]["namespace"], event["job"]["name"],
                                            started_at=event.get("eventTime", ""))
        run.last_event_at = max(run.last_event_at, event.get("eventTime", ""))
        run.state = event.get("eventType", run.state)
        for direction, seen in (("inputs", run.inputs), ("outputs", run.outputs)):
            for dataset in event.get(direction) or []:
                seen[(dataset["namespace"], dataset["name"])] = dataset
    yield from runs.values()
