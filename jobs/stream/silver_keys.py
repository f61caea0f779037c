"""The batch's silver keys a stream checks its events against (jobs.model.references): the
accounts and products a fact may name, and the transaction ids the batch already holds.

Read with pyarrow (the key column only) into a plain set; read again only when the batch has
rewritten the dataset, which a micro-batch sees from the file listing.
A dataset that is being rewritten (its files there but not yet Spark's `_SUCCESS` marker) keeps
the keys read before, so a batch run beside the stream does not make every fact unknown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyarrow.compute as pc
import pyarrow.dataset as ds
from pyarrow import fs

from jobs import lake, storage
from jobs.config import Settings
from jobs.model.references import FactRules

log = logging.getLogger("rtdp.streaming")

SUCCESS_MARKER = "_SUCCESS"


@dataclass(frozen=True)
class _Loaded:
    listing: tuple[tuple[str, int, int], ...]  # (path, size, mtime ns) of each part file
    keys: frozenset[str]


def wanted_keys(rules: FactRules) -> dict[str, str]:
    """Silver dataset -> the key column the stream reads of it."""
    wanted = {reference.dataset: reference.column for reference in rules.references}
    if rules.business_key:
        wanted[rules.business_key.dataset] = rules.business_key.column
    return wanted


class SilverKeys:
    """The batch's silver keys of one stream, kept between its micro-batches."""

    def __init__(self, settings: Settings, rules: FactRules) -> None:
        self.settings = settings
        self.wanted = wanted_keys(rules)
        # Without its references a fact is rejected; without the batch's own facts, nothing is.
        self.required = {reference.dataset for reference in rules.references}
        self._loaded: dict[str, _Loaded] = {}
        self._reported_missing: set[str] = set()

    def keys(self) -> dict[str, frozenset[str]]:
        """Dataset -> its keys, for each dataset the batch has written."""
        keys = {}
        for dataset, column in self.wanted.items():
            loaded = self._refresh(dataset, column)
            if loaded is not None:
                keys[dataset] = loaded.keys
        return keys

    def _refresh(self, dataset: str, column: str) -> _Loaded | None:
        uri = lake.dataset_uri(self.settings, "silver", dataset)
        filesystem, path = storage.filesystem(self.settings, uri)
        infos = filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True))
        names = {info.base_name for info in infos if info.type == fs.FileType.File}
        parts = sorted((info.path, info.size, info.mtime_ns or 0) for info in infos
                       if info.type == fs.FileType.File and info.base_name.endswith(".parquet"))
        previous = self._loaded.get(dataset)
        if not parts or SUCCESS_MARKER not in names:
            if previous is None and parts == [] and dataset in self.required and dataset not in self._reported_missing:
                self._reported_missing.add(dataset)
                log.warning("no silver %s at %s yet: events that name one are rejected until the batch pipeline "
                            "has loaded it (`rtdp run`)", dataset, uri)
            return previous  # absent, or being rewritten: what was read before still holds
        listing = tuple(parts)
        if previous is not None and previous.listing == listing:
            return previous
        table = ds.dataset([part for part, _, _ in parts], filesystem=filesystem, format="parquet").to_table(columns=[column])
        keys = frozenset(pc.unique(table.column(column)).drop_null().to_pylist())
        self._loaded[dataset] = loaded = _Loaded(listing, keys)
        self._reported_missing.discard(dataset)
        return loaded

