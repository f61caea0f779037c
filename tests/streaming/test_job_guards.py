"""Guards of the stream job that need neither Spark nor a broker."""

from __future__ import annotations

import pytest

from jobs import storage
from jobs.errors import PlatformError
from jobs.model.contracts import TRANSACTION
from jobs.stream.job import require_checkpoint_with_data
from jobs.stream.layout import stream_layout

pytestmark = pytest.mark.unit


def test_silver_without_its_checkpoint_is_refused(local_settings):
    layout = stream_layout(local_settings, "transactions", TRANSACTION)
    storage.write_bytes(local_settings, storage.join(layout.silver, "event_date=2026-01-01", "batch_id=0", "part.parquet"), b"x")
    with pytest.raises(PlatformError, match="checkpoint .* is missing"):
        require_checkpoint_with_data(local_settings, layout)


def test_a_fresh_start_and_a_resume_are_allowed(local_settings):
    layout = stream_layout(local_settings, "transactions", TRANSACTION)
    require_checkpoint_with_data(local_settings, layout)
    storage.write_bytes(local_settings, storage.join(layout.checkpoint, "offsets", "0"), b"v1")
    storage.write_bytes(local_settings, storage.join(layout.silver, "event_date=2026-01-01", "batch_id=0", "part.parquet"), b"x")
    require_checkpoint_with_data(local_settings, layout)


def test_every_output_of_a_topic_has_its_own_place_in_the_environment(local_settings):
    layout = stream_layout(local_settings, "transactions", TRANSACTION)
    assert layout.silver == f"{local_settings.layer_uri('silver')}/stream_transactions"
    assert layout.gold == f"{local_settings.layer_uri('gold')}/fact_transaction_stream"
    assert layout.quarantine == f"{local_settings.layer_uri('quarantine')}/stream_transactions"
    assert layout.checkpoint.startswith(f"{local_settings.layer_uri('silver')}/_checkpoints/stream_transactions/")
