"""The Great Expectations project of an environment: runs one suite on one pandas frame through
a checkpoint that also updates the HTML data docs.

The project is file based (jobs.trust.quality.location), so the data docs keep the history of every
gate run. Each dataset has its own data asset, validation definition and checkpoint, named by
its dataset key; they are re-registered on every run because the suites carry the expected
values of that run (row counts, reference keys).
"""

from __future__ import annotations

from datetime import datetime

import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig

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
) -> ExpectationSuiteValidationResult:
    """Validate `frame` (dataset `key`, "<layer>.<name>") against `suite` through the checkpoint
    of `key`; the data docs are updated with the result."""
    layer, name = key.split(".", 1)
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=key, data=_batch_definition(context, layer, name), suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=key,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )
    outcome = checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_id, run_time=checked_at)
    )
    (result,) = outcome.run_results.values()
    return result
