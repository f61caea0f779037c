"""Dataset keys of the platform and their OpenLineage names (namespace, name).

A dataset key is `<layer>.<name>`: raw.transactions, kafka.transactions, bronze.*, silver.*,
quarantine.*, gold.*, warehouse.<table>, report.<report name>. Names follow the OpenLineage
naming conventions, so the same dataset gets the same identity from every job:

- files and folders on local disk: namespace `file`, name = absolute path
  (raw.transactions -> `<raw>/transactions`, the folder of its extracts, silver.transactions ->
  `<silver>/transactions`, gold.dim_product -> `<gold>/dim_product` whichever publication holds it,
  report.01_revenue_trends -> `<reports dir>/01_revenue_trends.csv`, the CSV the report writes);
- the same in S3: namespace `s3://<bucket>`, name = object key prefix without leading slash;
- Kafka topics: namespace `kafka://<first bootstrap host:port>`, name = topic with the
  environment's prefix (kafka.transactions -> `dev.transactions` in dev);
- warehouse tables: namespace `duckdb://<absolute path of the warehouse file>` (DuckDB has no
  server, the file is the database), name `<database>.main.<table>` where the database is the
  file name without extension, as DuckDB names it.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlparse

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError

LAKE_LAYERS = ("bronze", "silver", "quarantine", "gold")
LAYERS = ("raw", "kafka", *LAKE_LAYERS, "warehouse", "report")
WAREHOUSE_SCHEMA = "main"


def split_key(key: str) -> tuple[str, str]:
    """`silver.transactions` -> ("silver", "transactions"); PlatformError for a key of no layer."""
    layer, _, name = key.partition(".")
    if layer not in LAYERS or not name:
        raise PlatformError(f"'{key}' is not a dataset key: write <layer>.<name> with a layer of {', '.join(LAYERS)}")
    return layer, name


def _location(uri: str) -> tuple[str, str]:
    if "://" in uri:
        parsed = urlparse(uri)
        return f"{parsed.scheme}://{parsed.netloc}", parsed.path.lstrip("/")
    return "file", uri


def dataset_uri(settings: Settings, key: str) -> str | None:
    """Where a file-backed dataset lives (local path or s3:// URI); None for topics and tables."""
    layer, name = split_key(key)
    if layer == "raw" or layer in LAKE_LAYERS:
        return storage.join(settings.layer_uri(layer), name)
    if layer == "report":
        return str(settings.reports_dir / f"{name}.csv")
    return None


def _kafka_namespace(settings: Settings) -> str:
    return "kafka://" + settings.kafka.bootstrap_servers.split(",")[0].strip()


def _warehouse_namespace(settings: Settings) -> str:
    return f"duckdb://{settings.warehouse_path}"


def _warehouse_prefix(settings: Settings) -> str:
    return f"{settings.warehouse_path.stem}.{WAREHOUSE_SCHEMA}."


def openlineage_dataset(settings: Settings, key: str) -> tuple[str, str]:
    """The OpenLineage (namespace, name) of the platform dataset `key` in the environment of `settings`."""
    layer, name = split_key(key)
    if layer == "kafka":
        return _kafka_namespace(settings), settings.kafka.topic_prefix + name
    if layer == "warehouse":
        return _warehouse_namespace(settings), _warehouse_prefix(settings) + name
    return _location(dataset_uri(settings, key) or "")


def dataset_key(settings: Settings, namespace: str, name: str) -> str | None:
    """The platform dataset key of an OpenLineage dataset, or None for a dataset outside the platform."""
    if namespace == _kafka_namespace(settings):
        prefix = settings.kafka.topic_prefix
        return f"kafka.{name.removeprefix(prefix)}" if name.startswith(prefix) and name != prefix else None
    if namespace == _warehouse_namespace(settings):
        table = name.removeprefix(_warehouse_prefix(settings))
        return f"warehouse.{table}" if table != name and table else None
    folders = {layer: _location(settings.layer_uri(layer)) for layer in ("raw", *LAKE_LAYERS)}
    folders["report"] = _location(str(settings.reports_dir))
    path = PurePosixPath(name)
    parent = "" if str(path.parent) == "." else str(path.parent)  # "." = the root of a bucket
    for layer, (layer_namespace, folder) in folders.items():
        if namespace != layer_namespace or parent != folder.rstrip("/"):
            continue
        if layer == "report":
            return f"{layer}.{path.stem}" if path.suffix == ".csv" else None
        if layer == "raw" and path.suffix:
            return None  # a file beside the dataset folders, e.g. the world record
        return f"{layer}.{path.name}"
    return None
