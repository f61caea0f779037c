"""A Spark session that can read Kafka: the connector jars and the Python of this process.

The Kafka source of Structured Streaming is not in the pyspark wheel. Its jars come from Maven
Central through infra/local/spark-kafka/pom.xml into `.cache/spark-kafka-jars` (once, with mvn)
and must be on the class path when the JVM starts, so they are handed to spark-submit with
`--jars` (PYSPARK_SUBMIT_ARGS, the documented way to pass spark-submit arguments from Python).
That composes with jobs.spark.spark_session, which sets its own class path for S3A.

Python workers, should a job start any, must be this interpreter (with the project installed),
not whatever `python3` is first on PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from py4j.protocol import Py4JJavaError
from pyspark import SparkContext
from pyspark.sql import SparkSession

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.operate.stack.jars import fetch_jars
from jobs.operate.stack.paths import stack_paths
from jobs.spark import spark_session

_SUBMIT_ARGS = "PYSPARK_SUBMIT_ARGS"
_KAFKA_SOURCE_CLASS = "org.apache.spark.sql.kafka010.KafkaSourceProvider"


def connector_pom(settings: Settings) -> Path:
    return stack_paths(settings).recipes / "spark-kafka" / "pom.xml"


def connector_jars_dir(settings: Settings) -> Path:
    return stack_paths(settings).cache / "spark-kafka-jars"


def kafka_connector_jars(settings: Settings) -> list[Path]:
    """The connector jars, downloaded with mvn on first use; PlatformError if that fails."""
    folder = connector_jars_dir(settings)
    fetch_jars(connector_pom(settings), folder)
    return sorted(folder.glob("*.jar"))


def prepare_spark_launch(settings: Settings) -> None:
    """Arrange for the next JVM this process starts to carry the Kafka connector and use this
    Python for its workers. No effect once a JVM runs (its class path is fixed)."""
    if SparkContext._gateway is not None:
        return
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    jars = ",".join(str(jar) for jar in kafka_connector_jars(settings))
    current = os.environ.get(_SUBMIT_ARGS, "pyspark-shell")
    if jars not in current:
        # No console progress bars: a stream logs one line per micro-batch instead.
        os.environ[_SUBMIT_ARGS] = f"--jars {jars} --conf spark.ui.showConsoleProgress=false {current}"


def streaming_session(settings: Settings) -> SparkSession:
    """The session of `settings` (jobs.spark.spark_session) with the Kafka source available.

    Raises PlatformError if this process already started Spark without the connector.
    """
    prepare_spark_launch(settings)
    session = spark_session(settings)
    jvm = session._jvm
    try:
        # The class loader Spark itself uses to look data sources up.
        jvm.java.lang.Class.forName(_KAFKA_SOURCE_CLASS, False, jvm.org.apache.spark.util.Utils.getContextOrSparkClassLoader())
    except Py4JJavaError:
        raise PlatformError("this Python process started Spark without the Kafka connector: "
                            "start Spark through jobs.stream.spark_kafka.streaming_session first") from None
    return session
