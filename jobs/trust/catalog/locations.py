"""Where each dataset lives in an environment, and what creates that place.

Lake layers are the environment's storage locations (settings.layer_uri): in dev and prod S3
buckets that the Terraform module modules/medallion_storage manages, locally plain folders.
Kafka topics carry the environment's prefix (modules/kafka_topics in dev and prod); warehouse
tables live in the DuckDB file and reports in the reports folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from jobs import storage
from jobs.config import Settings
from jobs.serve import publication
from jobs.stream.topics import prefixed
from jobs.trust.lineage.naming import LAKE_LAYERS, dataset_uri

LAKE_MODULE = "modules/medallion_storage"
TOPICS_MODULE = "modules/kafka_topics"


@dataclass(frozen=True)
class Location:
    """`uri` where the data is; `bucket` and `prefix` for S3; `managed_by` says what creates it."""

    uri: str
    managed_by: str
    bucket: str | None = None
    prefix: str | None = None


def _lake(uri: str) -> Location:
    if not storage.is_s3(uri):
        return Location(uri, "local folder, written by the pipeline")
    parsed = urlparse(uri)
    return Location(uri, f"Terraform module {LAKE_MODULE}", parsed.netloc, parsed.path.lstrip("/"))


def _topic(settings: Settings, name: str) -> Location:
    topic = prefixed(name, settings.kafka.topic_prefix)
    uri = f"kafka://{settings.kafka.bootstrap_servers}/{topic}"
    if settings.env == "local":
        return Location(uri, "created on the local broker by the streaming commands")
    return Location(uri, f"Terraform module {TOPICS_MODULE}")


def location_of(settings: Settings, layer: str, name: str) -> Location:
    """The location of dataset `<layer>.<name>` in the environment of `settings`."""
    if layer == "gold":
        return _lake(publication.table_uri(settings, name))  # the folder of the current publication
    if layer == "raw" or layer in LAKE_LAYERS:
        return _lake(dataset_uri(settings, f"{layer}.{name}"))
    if layer == "kafka":
        return _topic(settings, name)
    if layer == "warehouse":
        return Location(f"{settings.warehouse_path} (table {name})", "DuckDB file built by `rtdp warehouse` from sql/ddl")
    if layer == "report":
        return Location(dataset_uri(settings, f"{layer}.{name}"), "written by `rtdp reports`")
    return Location("unknown", "not described in the catalog")
