"""Where the Great Expectations project and its HTML data docs live: a local folder next to the
warehouse folder (`<data>/quality/` for `<data>/warehouse/platform.duckdb`).

The data docs are for people reading them on this machine, like the reports, so they stay
local even when the lake is in S3.
"""

from __future__ import annotations

from pathlib import Path

from jobs.config import Settings

QUALITY_FOLDER = "quality"
# Layout of a file-based GX project (great_expectations.yml sits in `gx/`).
GX_FOLDER = "gx"
DATA_DOCS_SITE = "local_site"


def quality_home(settings: Settings) -> Path:
    """The folder holding the GX project of this environment."""
    return settings.warehouse_path.parent.parent / QUALITY_FOLDER


def data_docs_index(settings: Settings) -> Path:
    """The index.html of the data docs (exists once a gate has run)."""
    return quality_home(settings) / GX_FOLDER / "uncommitted" / "data_docs" / DATA_DOCS_SITE / "index.html"
