"""Typed settings of one environment: local (embedded default), dev or prod.

Values come from `environments/<env>/settings.toml`, and environment variables override them:
`RTDP_STORAGE__GOLD_URI=s3://my-gold` replaces `[storage] gold_uri`. Credentials are never in
these files; AWS credentials come from the usual AWS environment variables or profiles.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from jobs.errors import PlatformError
from jobs.resources import environments_dir

ENVIRONMENTS = ("local", "dev", "prod")
EnvironmentName = Literal["local", "dev", "prod"]


class StorageSettings(BaseModel):
    """Location of each medallion layer: a local path or an s3:// URI."""

    raw_uri: str
    bronze_uri: str
    silver_uri: str
    gold_uri: str
    quarantine_uri: str
    # Ground truth planted by the generator for judging models; no pipeline step reads it.
    truth_uri: str


class WarehouseSettings(BaseModel):
    """The DuckDB warehouse file and where reports are written (always local files)."""

    path: str
    reports_dir: str


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:9092"
    # Put before every topic name, as var.kafka_topic_prefix in Terraform, so environments (and
    # the local demo) can share one broker: empty, or lower-case text ending with a dot.
    topic_prefix: str = ""


class DashboardSettings(BaseModel):
    """Where `make dashboard` serves the dashboard (always loopback) and how often its live parts refresh."""

    port: int = 8501
    refresh_seconds: float = 5.0


class AwsSettings(BaseModel):
    """Where the S3 API is: an emulator endpoint for local stacks, None for real AWS."""

    endpoint_url: str | None = None
    region: str = "us-east-1"

    @field_validator("endpoint_url")
    @classmethod
    def _empty_means_real_aws(cls, value: str | None) -> str | None:
        # RTDP_AWS__ENDPOINT_URL="" switches an emulated environment to real AWS.
        return value or None

    @property
    def emulated(self) -> bool:
        return self.endpoint_url is not None


class SparkClusterSettings(BaseModel):
    """A Spark standalone cluster in the local stack: one master and its workers, on loopback.

    Sized for an 8 GB laptop: each worker offers `worker_cores` cores and `worker_memory` to
    the executors it runs. Worker n (from 1) serves its web UI on `ui_port + n`.
    """

    master_port: int = 7077
    # Not Spark's default 8080: `make airflow` serves there.
    ui_port: int = 8090
    workers: int = Field(default=2, ge=1, le=8)
    worker_cores: int = Field(default=1, ge=1)
    worker_memory: str = "1g"
    # How long a submitted job waits for the cores other applications hold before it gives up.
    core_wait_seconds: float = Field(default=120.0, gt=0)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.master_port}"


class SparkSettings(BaseModel):
    master: str = "local[2]"
    # The driver JVM's whole memory (heap, classes, compiled code, GC, threads: jobs.spark),
    # explicit so the default demo stays well inside an 8 GB laptop.
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    # How the cluster's UI lists the application (None: rtdp-<env>); set for jobs of a release.
    app_name: str | None = None
    # None: no cluster (local runs every job inside the calling process).
    cluster: SparkClusterSettings | None = None


class LineageSettings(BaseModel):
    """Where the OpenLineage events of the jobs go: always a local JSON-lines file, and also an
    HTTP endpoint (such as Marquez) when `url` is set, e.g. RTDP_LINEAGE__URL=http://127.0.0.1:5000."""

    # None: `lineage_events.jsonl` next to the warehouse file.
    events_path: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _empty_means_file_only(cls, value: str | None) -> str | None:
        return value or None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RTDP_", env_nested_delimiter="__", extra="forbid")

    env: EnvironmentName
    home: Path = Path(".")
    storage: StorageSettings
    warehouse: WarehouseSettings
    kafka: KafkaSettings = KafkaSettings()
    dashboard: DashboardSettings = DashboardSettings()
    aws: AwsSettings = AwsSettings()
    spark: SparkSettings = SparkSettings()
    lineage: LineageSettings = LineageSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment variables win over the environment's settings file.
        return (env_settings, init_settings)

    def resolve(self, location: str) -> str:
        """An s3:// URI as is; a relative local path made absolute against `home`."""
        if "://" in location:
            return location
        path = Path(location)
        return str(path if path.is_absolute() else (self.home / path).resolve())

    def layer_uri(self, layer: str) -> str:
        """Resolved location of a medallion layer: raw, bronze, silver, gold or quarantine."""
        return self.resolve(getattr(self.storage, f"{layer}_uri"))

    @property
    def warehouse_path(self) -> Path:
        return Path(self.resolve(self.warehouse.path))

    @property
    def reports_dir(self) -> Path:
        return Path(self.resolve(self.warehouse.reports_dir))

    @property
    def lineage_events_path(self) -> Path:
        """The local JSON-lines file the jobs append their OpenLineage run events to."""
        if self.lineage.events_path:
            return Path(self.resolve(self.lineage.events_path))
        return self.warehouse_path.with_name("lineage_events.jsonl")


def load_settings(env: str | None = None) -> Settings:
    """Build the settings of `env` (default: $RTDP_ENV, else local)."""
    env = env or os.environ.get("RTDP_ENV", "local")
    if env not in ENVIRONMENTS:
        raise PlatformError(f"unknown environment '{env}': choose one of {', '.join(ENVIRONMENTS)}")
    settings_file = environments_dir() / env / "settings.toml"
    if not settings_file.is_file():
        raise PlatformError(f"settings file for environment '{env}' not found: {settings_file}")
    try:
        values = tomllib.loads(settings_file.read_text())
    except tomllib.TOMLDecodeError as error:
        raise PlatformError(f"{settings_file} is not valid TOML: {error}") from None
    values.setdefault("home", os.environ.get("RTDP_HOME", str(Path.cwd())))
    try:
        settings = Settings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PlatformError(f"invalid setting '{where}' for environment '{env}': {first['msg']}") from None
    # RTDP_ENV chooses the environment when none is named; it never renames the one loaded.
    return settings.model_copy(update={"env": env})
