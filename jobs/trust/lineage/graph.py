"""The dataset graph that the OpenLineage events describe: which dataset feeds which.

Each job contributes the edges of its latest run that did not fail: every input of that run
feeds every output. The jobs of the platform are fine-grained (one per written dataset, e.g.
`silver.transactions`), so these edges are exact. Only platform datasets become nodes
(see jobs.trust.lineage.naming); foreign datasets in the events are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jobs.config import Settings
from jobs.trust.lineage.event_log import read_events, runs_of
from jobs.trust.lineage.naming import dataset_key


@dataclass(frozen=True)
class DatasetWrite:
    """The latest successful write of a dataset: by which job and run, when, how many rows."""

    job_name: str
    run_id: str
    written_at: str
    row_count: int | None


class LineageGraph:
    """Directed graph of dataset keys: an edge (a, b) means b was produced from a."""

    def __init__(self, edges: Iterable[tuple[str, str]] = (), writes: dict[str, DatasetWrite] | None = None) -> None:
        self._parents: dict[str, set[str]] = {}
        self._children: dict[str, set[str]] = {}
        for upstream, downstream in edges:
            if upstream == downstream:  # a job that rewrites its input (ML on fact_customer_behavior)
                continue
            self._parents.setdefault(downstream, set()).add(upstream)
            self._children.setdefault(upstream, set()).add(downstream)
        self._writes = dict(writes or {})

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]]) -> LineageGraph:
        """A graph of the given (upstream key, downstream key) edges."""
        return cls(edges)

    @classmethod
    def load(cls, settings: Settings) -> LineageGraph:
        """The graph of the events in `settings.lineage_events_path` (empty if there are none)."""
        latest = {}
        for run in runs_of(read_events(settings.lineage_events_path)):
            if run.outputs and run.succeeded_so_far:
                # Runs come in start order: a later run of the same job replaces an earlier one.
                latest[(run.job_namespace, run.job_name)] = run
        edges, writes = [], {}
        for run in latest.values():
            inputs = [dataset_key(settings, *identity) for identity in run.inputs]
            for identity, dataset in run.outputs.items():
                output = dataset_key(settings, *identity)
                if output is None:
                    continue
                edges += [(source, output) for source in inputs if source is not None]
                write = DatasetWrite(run.job_name, run.run_id, run.last_event_at, _row_count(dataset))
                if output not in writes or writes[output].written_at <= write.written_at:
                    writes[output] = write
        graph = cls(edges, writes)
        for output in writes:  # a dataset written from nothing (e.g. raw files) is still a node
            graph._children.setdefault(output, set())
        return graph

    @property
    def datasets(self) -> list[str]:
        """Every dataset key in the graph, sorted."""
        return sorted(set(self._parents) | set(self._children))

    def parents(self, key: str) -> list[str]:
        """The datasets `key` was produced from directly."""
        return sorted(self._parents.get(key, ()))

    def children(self, key: str) -> list[str]:
        """The datasets produced directly from `key`."""
        return sorted(self._children.get(key, ()))

    def upstream(self, key: str) -> list[str]:
        """Every dataset `key` depends on, transitively, nearest first."""
        return self._reach(key, self.parents)

    def downstream(self, key: str) -> list[str]:
        """Every dataset depending on `key`, transitively, nearest first."""
        return self._reach(key, self.children)

    def chain(self, key: str) -> list[list[str]]:
        """Each path from `key` back to a source (a dataset with no inputs): [key, parent, ..., source]."""
        paths: list[list[str]] = []

        def walk(path: list[str]) -> None:
            parents = [parent for parent in self.parents(path[-1]) if parent not in path]  # no cycles
            if not parents:
                paths.append(path)
            for parent in parents:
                walk([*path, parent])

        walk([key])
        return paths

    def last_write(self, key: str) -> DatasetWrite | None:
        """The latest successful write of `key` recorded in the events; None if unknown."""
        return self._writes.get(key)

    @staticmethod
    def _reach(key: str, step) -> list[str]:
        seen: dict[str, None] = {}
        frontier = [key]
        while frontier:
            following = []
            for node in frontier:
                for neighbour in step(node):
                    if neighbour != key and neighbour not in seen:
                        seen[neighbour] = None
                        following.append(neighbour)
            frontier = following
        return list(seen)


def _row_count(dataset: dict) -> int | None:
    statistics = (dataset.get("outputFacets") or {}).get("outputStatistics") or {}
    return statistics.get("rowCount")
