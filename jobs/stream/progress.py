"""What the stream of one topic has done so far: one small JSON file per micro-batch.

After batch N the file `<N>.json` records the newest event_time accepted into silver up to and
including N, the next Kafka offset to read per partition, when N started and finished, its
counts and the freshness of its accepted events (jobs.stream.freshness).

The watermark of batch N is the newest event_time accepted by batches before N minus the
allowed delay; it is read from the file of the latest batch before N, so a batch that runs
again after a crash sees the same watermark as its first attempt. Before any event was accepted
there is no watermark (nothing is late).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from pyarrow import fs

from jobs import storage
from jobs.config import Settings

# Older files are only needed by the next batch and by `status`, which reads the last minute:
# five minutes of one-second batches.
KEEP_FILES = 300


@dataclass(frozen=True)
class BatchProgress:
    """State after one micro-batch (timestamps are UTC, naive)."""

    batch_id: int
    max_event_time: datetime | None
    offsets: dict[str, int]
    finished_at: datetime
    watermark: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    freshness: dict[int, int] = field(default_factory=dict)  # tenths of a second -> events

    def watermark_after(self, delay: timedelta) -> datetime | None:
        """The watermark the next batch applies."""
        return self.max_event_time - delay if self.max_event_time else None

    def to_json(self) -> str:
        data = asdict(self)
        for name in _TIMES:
            data[name] = data[name].isoformat() if data[name] else None
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BatchProgress:
        data = json.loads(text)
        for name in _TIMES:
            data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
        # JSON keys are text; files written before these fields have none.
        data["freshness"] = {int(tenths): count for tenths, count in data.get("freshness", {}).items()}
        return cls(**data)


_TIMES = ("max_event_time", "finished_at", "watermark", "started_at")


def _file_name(batch_id: int) -> str:
    return f"{batch_id:012d}.json"


def _batch_ids(settings: Settings, progress_uri: str) -> list[int]:
    filesystem, path = storage.filesystem(settings, progress_uri)
    listing = filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True))
    return sorted(int(info.base_name[:-5]) for info in listing
                  if info.type == fs.FileType.File and info.base_name.endswith(".json") and info.base_name[:-5].isdigit())


def _read(settings: Settings, progress_uri: str, batch_id: int) -> BatchProgress:
    return BatchProgress.from_json(storage.read_bytes(settings, storage.join(progress_uri, _file_name(batch_id))).decode())


def progress_before(settings: Settings, progress_uri: str, batch_id: int) -> BatchProgress | None:
    """The progress of the latest batch before `batch_id`, None if there is none."""
    earlier = [known for known in _batch_ids(settings, progress_uri) if known < batch_id]
    return _read(settings, progress_uri, earlier[-1]) if earlier else None


def latest_progress(settings: Settings, progress_uri: str) -> BatchProgress | None:
    known = _batch_ids(settings, progress_uri)
    return _read(settings, progress_uri, known[-1]) if known else None


def progress_since(settings: Settings, progress_uri: str, since: datetime) -> list[BatchProgress]:
    """The kept batches that finished at or after `since` (naive UTC), oldest first."""
    recent = []
    for batch_id in reversed(_batch_ids(settings, progress_uri)):
        progress = _read(settings, progress_uri, batch_id)
        if progress.finished_at < since:
            break
        recent.append(progress)
    return recent[::-1]


def write_progress(settings: Settings, progress_uri: str, progress: BatchProgress) -> None:
    """Write (or rewrite) the file of `progress.batch_id` and drop files of old batches."""
    storage.write_bytes(settings, storage.join(progress_uri, _file_name(progress.batch_id)), progress.to_json().encode())
    filesystem, path = storage.filesystem(settings, progress_uri)
    for old in _batch_ids(settings, progress_uri)[:-KEEP_FILES]:
        filesystem.delete_file(f"{path}/{_file_name(old)}")
