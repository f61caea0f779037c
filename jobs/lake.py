"""Reading and writing the Parquet datasets of the lake layers (local folders or S3)."""

from __future__ import annotations

from collections.abc import Sequence

from pyarrow.dataset import dataset
from pyspark.sql import DataFrame, SparkSession

from jobs import storage
from jobs.config import Settings
from jobs.errors import PlatformError


def dataset_uri(settings: Settings, layer: str, dataset: str) -> str:
    return storage.join(settings.layer_uri(layer), dataset)


def read_dataset(settings: Settings, spark: SparkSession, layer: str, dataset: str) -> DataFrame:
    """The Parquet dataset `<layer>/<dataset>/`; PlatformError if the step writing it has not run.

    Every layer is written by the pipeline step of the same name (bronze, silver, gold).
    """
    uri = dataset_uri(settings, layer, dataset)
    if not storage.exists(settings, uri):
        raise PlatformError(f"{layer} dataset {dataset} not found at {uri}: run `rtdp {layer}` first")
    return spark.read.parquet(storage.spark_path(uri))


def write(frame: DataFrame, uri: str) -> None:
    """Replace the dataset at `uri` with `frame` (so a rerun leaves no stale files)."""
    frame.write.mode("overwrite").parquet(storage.spark_path(uri))


def write_partitions(frame: DataFrame, uri: str, column: str) -> None:
    """Write `frame` into `<uri>/<column>=<value>/` folders, replacing the folders of the values
    it holds and leaving every other folder as it was (so writing a batch again is harmless)."""
    (frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy(column)
     .parquet(storage.spark_path(uri)))


def write_sorted(frame: DataFrame, uri: str, keys: Sequence[str]) -> None:
    """Replace the dataset at `uri` with `frame` as one file with rows sorted by `keys`.

    One sorted file per table means a rerun on the same input writes the same rows in the same order.
    """
    write(frame.repartition(1).sortWithinPartitions(*keys) if keys else frame.coalesce(1), uri)


def count(settings: Settings, uri: str) -> int:
    """Rows of the Parquet dataset at `uri` as written, from the file footers (no Spark job)."""
    filesystem, path = storage.filesystem(settings, uri)
    return dataset(path, filesystem=filesystem, format="parquet").count_rows()
