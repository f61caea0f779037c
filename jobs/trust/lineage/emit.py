"""OpenLineage run events of one job run: START with the inputs, then COMPLETE with the outputs
(row counts and schemas), FAIL with the error, or ABORT when interrupted.

    with job_run(settings, "warehouse.fact_transaction", inputs=["gold.fact_transaction"]) as run:
        ...
        run.output("warehouse.fact_transaction", rows=1234)

Jobs live in the namespace `rtdp-<env>`. A run started inside another one names it in a
parent run facet, so the steps of one pipeline run hang together (in Marquez too).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    error_message_run,
    input_statistics_input_dataset,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
    tags_run,
)
from openlineage.client.uuid import generate_new_uuid

from jobs import storage
from jobs.config import Settings
from jobs.serve import publication
from jobs.trust.lineage.naming import LAKE_LAYERS, dataset_uri, openlineage_dataset, split_key
from jobs.trust.lineage.sink import send

PRODUCER = f"urn:rtdp:jobs:{version('rtdp')}"
INTEGRATION = "RTDP"
# Tag of the run with the platform's own run id (the run_id of dq_results and of the CLI).
PLATFORM_RUN_TAG = "rtdp.run_id"

Schema = Sequence[tuple[str, str]]


def job_namespace(settings: Settings) -> str:
    return f"rtdp-{settings.env}"


@dataclass
class _Dataset:
    key: str
    rows: int | None = None
    schema: Schema | None = None
    size_bytes: int | None = None


@dataclass
class JobRun:
    """A job run in progress: name the datasets it reads and writes while it runs."""

    settings: Settings
    job_name: str
    run_id: str
    parent: JobRun | None
    job_type: str
    processing: str
    tags: dict[str, str]
    inputs: dict[str, _Dataset] = field(default_factory=dict)
    outputs: dict[str, _Dataset] = field(default_factory=dict)

    def input(self, key: str, rows: int | None = None) -> None:
        """Record that the run read `key` (`rows` rows, when known)."""
        self.inputs[key] = _Dataset(key, rows)

    def output(self, key: str, rows: int | None = None, schema: Schema | None = None,
               size_bytes: int | None = None) -> None:
        """Record that the run wrote `key`. For a lake dataset (Parquet) a missing `rows` or
        `schema` is read from its files (footers only), if the dataset exists."""
        layer, name = split_key(key)
        if (rows is None or schema is None) and layer in LAKE_LAYERS:
            # A gold table's files are in its publication; stream datasets in batch_id=N subfolders.
            files = publication.table_uri(self.settings, name) if layer == "gold" else dataset_uri(self.settings, key)
            parquet = storage.parquet_dataset(self.settings, files, partitioning="hive")
            if parquet is not None:
                rows = parquet.count_rows() if rows is None else rows
                schema = [(column.name, str(column.type)) for column in parquet.schema] if schema is None else schema
        self.outputs[key] = _Dataset(key, rows, schema, size_bytes)

    def running(self) -> None:
        """Emit a RUNNING event with the datasets so far (long-lived jobs such as streams)."""
        self._emit(RunState.RUNNING, with_outputs=True)

    def _emit(self, state: RunState, with_outputs: bool, error: BaseException | None = None) -> None:
        send(self.settings, RunEvent(
            eventType=state,
            eventTime=datetime.now(UTC).isoformat(timespec="microseconds"),
            run=Run(runId=self.run_id, facets=self._run_facets(error)),
            job=Job(namespace=job_namespace(self.settings), name=self.job_name, facets={
                "jobType": job_type_job.JobTypeJobFacet(
                    processingType=self.processing, integration=INTEGRATION, jobType=self.job_type, producer=PRODUCER),
            }),
            inputs=[self._input(dataset) for dataset in self.inputs.values()],
            outputs=[self._output(dataset) for dataset in self.outputs.values()] if with_outputs else [],
            producer=PRODUCER,
        ))

    def _run_facets(self, error: BaseException | None) -> dict:
        facets: dict = {}
        if self.parent is not None:
            root = self.parent._root()
            facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=self.parent.run_id),
                job=parent_run.Job(namespace=job_namespace(self.settings), name=self.parent.job_name),
                root=parent_run.Root(run=parent_run.RootRun(runId=root.run_id),
                                     job=parent_run.RootJob(namespace=job_namespace(self.settings), name=root.job_name)),
                producer=PRODUCER,
            )
        if self.tags:
            facets["tags"] = tags_run.TagsRunFacet(
                tags=[tags_run.TagsRunFacetFields(key, value, "RTDP") for key, value in self.tags.items()],
                producer=PRODUCER,
            )
        if error is not None:
            facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=str(error).splitlines()[0] if str(error) else type(error).__name__,
                programmingLanguage="python",
                stackTrace="".join(traceback.format_exception(error)),
                producer=PRODUCER,
            )
        return facets

    def _root(self) -> JobRun:
        return self if self.parent is None else self.parent._root()

    def _input(self, dataset: _Dataset) -> InputDataset:
        namespace, name = openlineage_dataset(self.settings, dataset.key)
        facets = {}
        if dataset.rows is not None:
            facets["inputStatistics"] = input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
                rowCount=dataset.rows, producer=PRODUCER)
        return InputDataset(namespace=namespace, name=name, inputFacets=facets)

    def _output(self, dataset: _Dataset) -> OutputDataset:
        namespace, name = openlineage_dataset(self.settings, dataset.key)
        facets = {}
        if dataset.schema is not None:
            facets["schema"] = schema_dataset.SchemaDatasetFacet(
                fields=[schema_dataset.SchemaDatasetFacetFields(name=column, type=kind) for column, kind in dataset.schema],
                producer=PRODUCER,
            )
        output_facets = {}
        if dataset.rows is not None or dataset.size_bytes is not None:
            output_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=dataset.rows, size=dataset.size_bytes, producer=PRODUCER)
        return OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets=output_facets)


@contextmanager
def job_run(settings: Settings, job_name: str, inputs: Sequence[str] = (), parent: JobRun | None = None, *,
            job_type: str = "JOB", processing: str = "BATCH", tags: dict[str, str] | None = None) -> Iterator[JobRun]:
    """Emit START (with `inputs`, dataset keys) now, and COMPLETE (with the outputs recorded on the
    yielded JobRun) when the block ends; FAIL with the error message if it raises (re-raised),
    ABORT if it is interrupted. `parent` is the run this one is part of; `tags` label the run."""
    run = JobRun(settings, job_name, str(generate_new_uuid()), parent, job_type, processing,
                 dict(tags if tags is not None else (parent.tags if parent else {})))
    for key in inputs:
        run.input(key)
    run._emit(RunState.START, with_outputs=False)
    try:
        yield run
    except Exception as error:
        run._emit(RunState.FAIL, with_outputs=False, error=error)
        raise
    except BaseException as error:
        run._emit(RunState.ABORT, with_outputs=False, error=error)
        raise
    run._emit(RunState.COMPLETE, with_outputs=True)
