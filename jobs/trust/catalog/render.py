"""Render catalog entries as static HTML: an index and one page per dataset, linked with
relative URLs so the folder can be opened from disk or copied anywhere."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from jobs.trust.catalog.pii import PII_CLASSES

if TYPE_CHECKING:
    from jobs.trust.catalog.build import CatalogEntry

INDEX_NAME = "index.html"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def page_name(key: str) -> str:
    """File name of a dataset's page, e.g. gold.fact_transaction.html."""
    return _UNSAFE.sub("_", key) + ".html"


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("jobs.trust.catalog", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    environment.filters["page"] = page_name
    return environment


def render_catalog(entries: Sequence[CatalogEntry], folder: Path, env: str, generated_at: dt.datetime) -> Path:
    """Replace the HTML pages in `folder` with the catalog of `entries`; return the index path."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.html"):
        stale.unlink()
    environment = _environment()
    documented = {entry.dataset.key for entry in entries}
    context = {"env": env, "generated_at": f"{generated_at:%Y-%m-%d %H:%M} UTC", "pii_classes": PII_CLASSES,
               "documented": documented}
    page = environment.get_template("dataset.html")
    for entry in entries:
        (folder / page_name(entry.dataset.key)).write_text(page.render(entry=entry, **context), encoding="utf-8")
    layers = [(layer, list(group)) for layer, group in groupby(entries, key=lambda entry: entry.dataset.layer)]
    index = folder / INDEX_NAME
    index.write_text(environment.get_template("index.html").render(layers=layers, **context), encoding="utf-8")
    return index
