"""A Spark standalone cluster of the no-Docker stack: Spark's own master and workers, on loopback.

The classes come from the pinned pyspark wheel (its `jars/` folder is a Spark distribution's), so
the cluster runs exactly the Spark version the jobs use and needs no download. Each daemon is a
detached JVM like the broker. SPARK_LOCAL_IP keeps every port and web UI of the daemons on
127.0.0.1 (Spark's web UIs otherwise listen on all interfaces); SPARK_HOME and SPARK_SCALA_VERSION
tell a worker where the jars are for the executors it launches.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyspark

from jobs.errors import PlatformError
from jobs.operate.stack.paths import StackPaths

SPARK_HOME = Path(pyspark.__file__).parent
DAEMON_HEAP = "256m"
SCALA_VERSION = "2.13"  # of the pyspark wheel's jars (scala-library-2.13.*.jar)


def master_state(host: str, ui_port: int) -> dict | None:
    """The master's view of the cluster (its web UI's /json/: status, workers, apps), None if it does not answer."""
    try:
        with urllib.request.urlopen(f"http://{host}:{ui_port}/json/", timeout=2) as response:
            return json.load(response)
    except (OSError, urllib.error.URLError, ValueError):
        return None


def _daemon_command(main_class: str, *arguments: str) -> list[str]:
    if shutil.which("java") is None:
        raise PlatformError("'java' not found on PATH: Spark needs a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless)")
    return [
        # Daemons only coordinate: a small heap, and the quick compiler for a quick start. No REST
        # submission server (PySpark cannot use it, and its fixed port 6066 would clash between stacks).
        shutil.which("java") or "java", f"-Xmx{DAEMON_HEAP}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true", "-Dspark.master.rest.enabled=false",
        "-cp", f"{SPARK_HOME / 'jars'}/*", main_class, *arguments,
    ]


def _daemon_environment(host: str) -> dict[str, str]:
    # SPARK_SCALA_VERSION: what Spark's own scripts set; a worker's executor launcher needs it.
    return {"SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": host, "SPARK_SCALA_VERSION": SCALA_VERSION}


@dataclass(frozen=True)
class SparkMaster:
    """The master: accepts workers on `port`, applications through spark://host:port, UI on `ui_port`."""

    paths: StackPaths
    host: str
    port: int
    ui_port: int

    name = "spark-master"
    title = "Spark master"
    health_timeout = 60.0
    stop_grace = 15.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port, self.ui_port)

    def prepare(self) -> None:
        pass

    def command(self) -> list[str]:
        return _daemon_command("org.apache.spark.deploy.master.Master", "--host", self.host, "--port", str(self.port),
                               "--webui-port", str(self.ui_port))

    def environment(self) -> dict[str, str]:
        return _daemon_environment(self.host)

    def healthy(self) -> bool:
        state = master_state(self.host, self.ui_port)
        return state is not None and state.get("status") == "ALIVE"


@dataclass(frozen=True)
class SparkWorker:
    """Worker `number` (from 1): registered with the master, offering `cores` and `memory` to executors."""

    paths: StackPaths
    host: str
    number: int
    master: SparkMaster
    cores: int
    memory: str

    title = "Spark worker"
    health_timeout = 60.0
    stop_grace = 15.0

    @property
    def name(self) -> str:
        return f"spark-worker-{self.number}"

    @property
    def port(self) -> int:
        """The worker's web UI (its RPC port is any free one: nothing connects to it but the master)."""
        return self.master.ui_port + self.number

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,)

    def prepare(self) -> None:
        pass

    def command(self) -> list[str]:
        return _daemon_command(
            "org.apache.spark.deploy.worker.Worker", "--host", self.host, "--webui-port", str(self.port),
            "--cores", str(self.cores), "--memory", self.memory,
            "--work-dir", str(self.paths.service_dir(self.name) / "work"),
            f"spark://{self.master.host}:{self.master.port}",
        )

    def environment(self) -> dict[str, str]:
        return _daemon_environment(self.host)

    def healthy(self) -> bool:
        """The master lists this worker (by its UI's address) as ALIVE."""
        state = master_state(self.master.host, self.master.ui_port)
        address = f"http://{self.host}:{self.port}"
        return state is not None and any(
            worker.get("webuiaddress") == address and worker.get("state") == "ALIVE" for worker in state.get("workers", []))
