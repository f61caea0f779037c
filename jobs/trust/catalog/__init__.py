"""The static data catalog: every dataset of every layer as browsable HTML (see docs/catalog.md)."""

from jobs.trust.catalog.build import CatalogResult, build_catalog, catalog_index

__all__ = ["CatalogResult", "build_catalog", "catalog_index"]
