"""The real Apache Kafka broker, single node in KRaft mode, run from jars without Docker.

The jars come from Maven Central (infra/local/kafka/pom.xml) into `.cache/kafka-<version>/libs`;
the KRaft storage is formatted once under the state folder; `kafka.Kafka` runs as a detached JVM
listening on loopback only (broker port from the settings, controller on the next port).
"""

from __future__ import annotations

import base64
import logging
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from jobs.errors import PlatformError
from jobs.operate.stack.jars import fetch_jars, pom_property
from jobs.operate.stack.paths import StackPaths
from jobs.operate.stack.processes import accepts_connections

# librdkafka reports every refused connection while the broker boots; the health loop expects those.
_quiet_client_log = logging.getLogger("rtdp.stack.kafka_client")
_quiet_client_log.setLevel(logging.CRITICAL)
_quiet_client_log.propagate = False


def parse_bootstrap(bootstrap_servers: str) -> tuple[str, int]:
    """Host and port of the single broker named by `bootstrap_servers` ("host:port")."""
    servers = [server.strip() for server in bootstrap_servers.split(",") if server.strip()]
    if len(servers) != 1 or ":" not in servers[0]:
        raise PlatformError(f"the local stack runs one broker: kafka.bootstrap_servers must be one host:port, got '{bootstrap_servers}'")
    host, port = servers[0].rsplit(":", 1)
    if not port.isdigit():
        raise PlatformError(f"kafka.bootstrap_servers has no numeric port: '{bootstrap_servers}'")
    return host, int(port)


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64 without padding (22 characters)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


@dataclass(frozen=True)
class KafkaBroker:
    """One broker+controller JVM; `port` is the client port, the controller uses `port + 1`."""

    paths: StackPaths
    host: str
    port: int

    name = "kafka"
    title = "Kafka broker"
    health_timeout = 90.0
    stop_grace = 30.0
    heap = "512m"

    @property
    def controller_port(self) -> int:
        return self.port + 1

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port, self.controller_port)

    @property
    def pom(self) -> Path:
        return self.paths.recipes / "kafka" / "pom.xml"

    @property
    def version(self) -> str:
        return pom_property(self.pom, "kafka.version")

    @property
    def libs(self) -> Path:
        return self.paths.cache / f"kafka-{self.version}" / "libs"

    @property
    def config_file(self) -> Path:
        return self.paths.service_dir(self.name) / "server.properties"

    @property
    def data_dir(self) -> Path:
        return self.paths.service_dir(self.name) / "data"

    def server_properties(self) -> str:
        """The broker's server.properties: the template with this broker's ports and data folder."""
        template = Template((self.paths.recipes / "kafka" / "server.properties.template").read_text())
        return template.substitute(broker_port=self.port, controller_port=self.controller_port, data_dir=self.data_dir)

    def prepare(self) -> None:
        """Check Java, fetch the jars if needed, write server.properties, format storage once."""
        if shutil.which("java") is None:
            raise PlatformError("'java' not found on PATH: Kafka needs a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless)")
        fetch_jars(self.pom, self.libs)
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.server_properties())
        if not (self.data_dir / "meta.properties").is_file():
            self._format_storage()

    def _format_storage(self) -> None:
        log_file = self.paths.log_file("kafka-format")
        log_file.parent.mkdir(parents=True, exist_ok=True)
        command = self._java("kafka.tools.StorageTool", "format", "--config", str(self.config_file),
                             f"--cluster-id={new_cluster_id()}")
        with open(log_file, "wb") as log:
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
        if result.returncode != 0:
            raise PlatformError(f"formatting the Kafka storage in {self.data_dir} failed (exit {result.returncode}); see {log_file}")

    def _java(self, main_class: str, *arguments: str) -> list[str]:
        return [
            shutil.which("java") or "java", f"-Xmx{self.heap}", "-Xms128m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.paths.recipes / 'kafka' / 'log4j2.properties'}",
            "-cp", f"{self.libs}/*", main_class, *arguments,
        ]

    def command(self) -> list[str]:
        return self._java("kafka.Kafka", str(self.config_file))

    def environment(self) -> dict[str, str]:
        return {}

    def healthy(self) -> bool:
        """The broker answers metadata and cluster requests from an AdminClient."""
        if not accepts_connections(self.host, self.port):
            return False
        admin = AdminClient({"bootstrap.servers": f"{self.host}:{self.port}", "logger": _quiet_client_log})
        try:
            metadata = admin.list_topics(timeout=5)
            cluster = admin.describe_cluster(request_timeout=5).result(timeout=10)
        except (KafkaException, TimeoutError):
            return False
        return bool(metadata.brokers) and bool(cluster.nodes)
