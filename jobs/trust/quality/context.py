"""The Great Expectations project of an environment: runs one suite on one pandas frame through
a checkpoint, and updates the HTML data docs once for a gate's results.

The project is file based (jobs.trust.quality.location), so the data docs keep the history of every
gate run. Each dataset has its own data asset, validation definition and checkpoint, named by
its dataset key; they are re-registered on every run because the suites carry the expected
values of that run (row counts, reference keys). The docs are built once per gate, not per
checkpoint: every build rewrites the index from all stored results, so it costs more with each run.
"""

from __future__ import annotations

from datetime import datetime

import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

from jobs.config import Settings
from jobs.trust.quality.location import quality_home

BATCH = "whole_frame"


def project(settings: Settings) -> AbstractDataContext:
    """The file-based GX project of `settings`, created on first use. Usage statistics are
    switched off in its configuration (GX must never contact the network), progress bars too."""
    context = gx.get_context(mode="file", project_root_dir=str(quality_home(settings)))
    if context.variables.analytics_enabled is not False or context.variables.progress_bars is None:
        context.variables.analytics_enabled = False
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
    return context


def _batch_definition(context: AbstractDataContext, layer: str, name: str):
    source = context.data_sources.all().get(layer) or context.data_sources.add_pandas(layer)
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        return asset.get_batch_definition(BATCH)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(BATCH)


def run_suite(
    context: AbstractDataContext,
    key: str,
    suite: gx.ExpectationSuite,
    frame: pd.DataFrame,
    run_id: str,
    checked_at: datetime,
) -> tuple[ValidationResultIdentifier, ExpectationSuiteValidationResult]:
    """Validate `frame` (dataset `key`, "<layer>.<name>") against `suite` through the checkpoint
    of `key`; the stored result's identifier (for `update_data_docs`) and the result."""
    layer, name = key.split(".", 1)
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=key, data=_batch_definition(context, layer, name), suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=key,
            validation_definitions=[definition],
            result_format={"result_format": "SUMMARY"},
        )
    )
    outcome = checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_id, run_time=checked_at)
    )
    ((identifier, result),) = outcome.run_results.items()
    return identifier, result


def update_data_docs(context: AbstractDataContext, identifiers: list[ValidationResultIdentifier]) -> None:
    """Render the pages of these stored results and their suites, then the index, once."""
    suites = [identifier.expectation_suite_identifier for identifier in identifiers]
    context.build_data_docs(resource_identifiers=[*identifiers, *suites])
