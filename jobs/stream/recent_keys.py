"""The stream's own accepted keys since the watermark (event ids, and the business key if the
contract has one), kept in memory from one micro-batch to the next instead of reread from
silver each time.

Batch N must judge exactly as if it had read silver's batches before N (the exactly-once rule
of jobs.stream.batch). So the memory is used only when N follows the last batch it recorded;
at a start, after a crash or when Spark runs a batch again, it is rebuilt from silver's
batches before N. Keys whose event_time falls below the watermark are dropped: an event that
old is late anyway.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from datetime import datetime

import pyarrow.compute as pc
import pyarrow.dataset as ds

from jobs import storage
from jobs.config import Settings
from jobs.stream.compaction import batch_files
from jobs.stream.key_rules import KeyRecord, StreamKeys


class RecentKeys:
    """Accepted keys of one stream's silver with their event_time, since the watermark."""

    def __init__(self, settings: Settings, silver_uri: str, business_key: str | None) -> None:
        self.settings = settings
        self.silver_uri = silver_uri
        self.business_key = business_key
        self._through: int | None = None  # the last batch whose keys are in memory
        self._event_ids: dict[str, datetime] = {}
        self._business_keys: dict[str, datetime] = {}
        # (event_time, order of arrival, event_id, business key), a heap: the oldest first.
        self._by_time: list[tuple[datetime, int, str, str | None]] = []
        self._order = itertools.count()

    def before(self, batch_id: int, watermark: datetime | None) -> StreamKeys:
        """The keys that silver's batches before `batch_id` hold at or after `watermark`."""
        if self._through != batch_id - 1:
            self._reload(batch_id, watermark)
        if watermark is None:  # nothing was accepted before this batch
            return StreamKeys()
        self._drop_before(watermark)
        return StreamKeys(self._event_ids.keys(), self._business_keys.keys())

    def add(self, batch_id: int, accepted: Iterable[KeyRecord]) -> None:
        """Record what batch `batch_id` wrote to silver (call after its silver write)."""
        for record in accepted:
            self._remember(record.event_id, record.keys[self.business_key] if self.business_key else None,
                           record.event_time)
        self._through = batch_id

    def _remember(self, event_id: str, business_key: str | None, event_time: datetime) -> None:
        self._event_ids[event_id] = max(event_time, self._event_ids.get(event_id, event_time))
        if business_key is not None:
            self._business_keys[business_key] = max(event_time, self._business_keys.get(business_key, event_time))
        heapq.heappush(self._by_time, (event_time, next(self._order), event_id, business_key))

    def _drop_before(self, watermark: datetime) -> None:
        """Forget each key whose newest event_time is below `watermark`."""
        while self._by_time and self._by_time[0][0] < watermark:
            _, _, event_id, business_key = heapq.heappop(self._by_time)
            for keys, key in ((self._event_ids, event_id), (self._business_keys, business_key)):
                if key in keys and keys[key] < watermark:
                    del keys[key]

    def _reload(self, batch_id: int, watermark: datetime | None) -> None:
        self._event_ids.clear()
        self._business_keys.clear()
        self._by_time.clear()
        self._through = batch_id - 1
        if watermark is None:
            return
        columns = ["event_id", "event_time", *([self.business_key] if self.business_key else [])]
        for table in self._silver_since(watermark, batch_id, columns):
            business_keys = table.column(self.business_key).to_pylist() if self.business_key else [None] * table.num_rows
            for event_id, business_key, event_time in zip(table.column("event_id").to_pylist(), business_keys,
                                                          table.column("event_time").to_pylist(), strict=True):
                self._remember(event_id, business_key, event_time)

    def _silver_since(self, watermark: datetime, batch_id: int, columns: list[str]):
        """Silver's rows of batches before `batch_id` with event_time at or after `watermark`,
        reading only the days from the watermark's on."""
        first_day = f"event_date={watermark.date().isoformat()}"
        filesystem, _ = storage.filesystem(self.settings, self.silver_uri)
        for day in storage.subfolders(self.settings, self.silver_uri):
            if not day.startswith("event_date=") or day < first_day:
                continue
            files = batch_files(self.settings, storage.join(self.silver_uri, day), before=batch_id)
            if files:
                table = ds.dataset(files, filesystem=filesystem, format="parquet").to_table(columns=columns)
                yield table.filter(pc.greater_equal(table.column("event_time"), watermark))
