"""Build the static catalog: every dataset with its description, columns, owner, location,
last quality status and direct lineage, as HTML pages next to the reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jobs.config import Settings
from jobs.trust.catalog.datasets import Dataset, all_datasets
from jobs.trust.catalog.locations import Location, location_of
from jobs.trust.catalog.owners import LAYER_OWNERS
from jobs.trust.catalog.quality_status import UNCHECKED, QualityStatus, quality_statuses
from jobs.trust.catalog.render import INDEX_NAME, render_catalog
from jobs.trust.lineage.graph import DatasetWrite, LineageGraph
from jobs.trust.lineage.naming import LAYERS

CATALOG_FOLDER = "catalog"
UNDESCRIBED = ("Not described: this dataset appears in the lineage events but is not defined in sql/ddl, "
               "the event contracts or sql/reports")


@dataclass(frozen=True)
class CatalogEntry:
    """What one catalog page shows about a dataset."""

    dataset: Dataset
    location: Location
    quality: QualityStatus
    parents: tuple[str, ...]
    children: tuple[str, ...]
    last_write: DatasetWrite | None


@dataclass(frozen=True)
class CatalogResult:
    index_path: Path
    datasets: int


def catalog_dir(settings: Settings) -> Path:
    """The catalog's folder: `catalog/` beside the reports folder."""
    return settings.reports_dir.parent / CATALOG_FOLDER


def catalog_index(settings: Settings) -> Path:
    """The catalog's entry page (it exists once `build_catalog` has run)."""
    return catalog_dir(settings) / INDEX_NAME


def _undescribed(key: str) -> Dataset:
    layer, _, name = key.partition(".")
    return Dataset(layer, name, UNDESCRIBED, LAYER_OWNERS.get(layer, "unknown"), (), "lineage events only")


def _layer_order(dataset: Dataset) -> int:
    return LAYERS.index(dataset.layer) if dataset.layer in LAYERS else len(LAYERS)


def catalog_entries(settings: Settings, lineage: LineageGraph) -> list[CatalogEntry]:
    """One entry per dataset defined by the platform, plus any other dataset the lineage names."""
    datasets = all_datasets()
    known = {dataset.key for dataset in datasets}
    datasets += [_undescribed(key) for key in lineage.datasets if key not in known]
    datasets.sort(key=_layer_order)
    quality = quality_statuses(settings)
    return [
        CatalogEntry(
            dataset,
            location_of(settings, dataset.layer, dataset.name),
            quality.get(dataset.key, UNCHECKED),
            tuple(lineage.parents(dataset.key)),
            tuple(lineage.children(dataset.key)),
            lineage.last_write(dataset.key),
        )
        for dataset in datasets
    ]


def build_catalog(settings: Settings, lineage: LineageGraph | None = None) -> CatalogResult:
    """Write the catalog of the environment of `settings` (lineage from its OpenLineage events
    unless `lineage` is given) into `catalog_dir(settings)`; return the index page and the
    number of datasets."""
    entries = catalog_entries(settings, lineage if lineage is not None else LineageGraph.load(settings))
    index = render_catalog(entries, catalog_dir(settings), settings.env, dt.datetime.now(dt.UTC))
    return CatalogResult(index, len(entries))
