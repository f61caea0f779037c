"""Fixtures of the quality-gate tests; the sample silver data is in silver_data.py."""

from __future__ import annotations

import pytest

from silver_data import clean_silver_rows, write_silver


@pytest.fixture
def clean_silver(local_settings) -> dict[str, list[dict]]:
    """A clean silver layer in the temporary environment of `local_settings`; returns its rows."""
    rows = clean_silver_rows()
    write_silver(local_settings, rows)
    return rows
