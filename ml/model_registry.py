"""A small model registry in the lake: one folder per model and version.

`<models>/<model>/<version>/` holds the model file (joblib, or JSON for Prophet) and
`metadata.json` with the parameters, the data window, the metrics and the training time.
`<models>` is the folder `models` next to the gold layer (`data/lake/models` locally,
`s3://<gold bucket>/models` on S3), so models live and travel with the data they came from.
Every output row carries the version, so a report can say which model produced it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Self

import joblib

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError

METADATA_FILE = "metadata.json"


def models_uri(settings: Settings) -> str:
    """The registry root: a `models` folder beside the gold folder (inside the bucket on S3)."""
    gold = settings.layer_uri("gold").rstrip("/")
    scheme, _, rest = gold.rpartition("://")
    if "/" not in rest:  # gold is a whole bucket: the registry is a prefix in it
        return f"{gold}/models"
    parent = rest.rsplit("/", 1)[0]
    return f"{scheme}://{parent}/models" if scheme else f"{parent}/models"


def new_version(now: dt.datetime | None = None) -> str:
    """A sortable, unique version id such as 20260630T120501Z-3fa2c1 (UTC time of the run)."""
    moment = now or dt.datetime.now(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@dataclass
class ModelRecord:
    """What the registry keeps about one trained model besides the model file itself."""

    model: str
    version: str
    algorithm: str
    params: dict[str, Any]
    data_window: dict[str, str]  # e.g. {"train_start": ..., "train_end": ...}, ISO dates
    metrics: dict[str, float]
    training_seconds: float
    artefact: str = "model.joblib"
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


def version_uri(settings: Settings, model: str, version: str) -> str:
    return storage.join(models_uri(settings), model, version)


def save_model(settings: Settings, record: ModelRecord, model: Any) -> str:
    """Store `model` and its record under `<models>/<model>/<version>/`; return that folder.

    A model that is a str (Prophet's JSON) is written as text, anything else with joblib.
    """
    folder = version_uri(settings, record.model, record.version)
    if isinstance(model, str):
        payload = model.encode()
    else:
        buffer = io.BytesIO()
        joblib.dump(model, buffer, compress=3)
        payload = buffer.getvalue()
    storage.write_bytes(settings, storage.join(folder, record.artefact), payload)
    metadata = json.dumps(asdict(record), indent=2, sort_keys=True, default=float)
    storage.write_bytes(settings, storage.join(folder, METADATA_FILE), metadata.encode())
    return folder


def read_record(settings: Settings, model: str, version: str) -> ModelRecord:
    """The record of one stored model version; PlatformError if it is not in the registry."""
    uri = storage.join(version_uri(settings, model, version), METADATA_FILE)
    if not storage.exists(settings, uri):
        raise PlatformError(f"model {model} version {version} not found at {uri}")
    return ModelRecord(**json.loads(storage.read_bytes(settings, uri)))


def load_model(settings: Settings, model: str, version: str) -> Any:
    """The stored model object (or Prophet JSON text) of one version."""
    record = read_record(settings, model, version)
    payload = storage.read_bytes(settings, storage.join(version_uri(settings, model, version), record.artefact))
    if record.artefact.endswith(".json"):
        return payload.decode()
    return joblib.load(io.BytesIO(payload))


class Stopwatch:
    """Seconds spent in a `with` block, for the training time kept in the registry."""

    def __enter__(self) -> Self:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = round(time.perf_counter() - self._start, 3)
