"""The Spark session every batch job uses: local mode, explicit memory, UTC, quiet logs.

`spark.driver_memory` is what the driver JVM may take as a whole, not its heap alone: a Spark
driver holds about 0.5 GB besides its heap (class metadata, the class archive, compiled code, GC
structures, thread stacks; measured with -XX:NativeMemoryTracking on the stream), so the heap
gets HEAP_SHARE of it and the compiled-code and class-metadata areas are capped.

Layers on s3:// are read and written through Hadoop's S3A connector. Its jars (hadoop-aws and
the AWS SDK bundle) are not in the pyspark wheel: `make up` fetches them into `.cache/spark-jars`
and, once there, they join the driver class path of every session, so one session per process
serves local and S3 layers alike.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from py4j.java_gateway import JavaClass
from pyspark import SparkContext
from pyspark.sql import SparkSession

from jobs.config import Settings
from jobs.errors import PlatformError
from jobs.operate.stack.spark_jars import cached_spark_jars, uses_s3
from jobs.spark_archive import java_options

HEAP_SHARE = 0.65
NON_HEAP_LIMITS = "-XX:ReservedCodeCacheSize=128m -XX:MaxMetaspaceSize=256m"
_UNITS = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


def heap_size(budget: str) -> str:
    """The driver's heap (Spark's spark.driver.memory) for a whole-JVM budget such as "2g"."""
    text = budget.strip().lower().removesuffix("b")
    if not text or text[-1] not in _UNITS or not text[:-1].isdigit():
        raise PlatformError(f"spark.driver_memory {budget!r} is not a size like 2g or 1536m")
    return f"{int(int(text[:-1]) * _UNITS[text[-1]] * HEAP_SHARE)}m"


def spark_session(settings: Settings) -> SparkSession:
    """Start (or reuse) the local Spark session configured for `settings`.

    Raises PlatformError if a layer is on s3:// and the S3A jars or credentials are missing.
    """
    builder = (
        SparkSession.builder.appName(f"rtdp-{settings.env}")
        .master(settings.spark.master)
        .config("spark.driver.memory", heap_size(settings.spark.driver_memory))
        .config("spark.sql.shuffle.partitions", str(settings.spark.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
        # Rewrites replace only the partitions a run produces.
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    s3a_jars = cached_spark_jars(settings)
    if uses_s3(settings) and not s3a_jars:
        raise PlatformError("the S3A jars Spark needs for s3:// layers are not in .cache/spark-jars: run `make up` to fetch them")
    class_path = os.pathsep.join(str(jar) for jar in s3a_jars)
    if s3a_jars:
        # Local mode runs executors inside the driver JVM, so the class path suffices; spark.jars
        # would copy the 650 MB AWS SDK bundle into a temporary folder at every session start.
        builder = builder.config("spark.driver.extraClassPath", class_path)
    if SparkContext._gateway is None:
        builder = builder.config("spark.driver.extraJavaOptions", f"{NON_HEAP_LIMITS} {java_options(class_path)}".strip())
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if uses_s3(settings):
        _configure_s3a(session, settings)
    return session


def _configure_s3a(session: SparkSession, settings: Settings) -> None:
    """Point S3A at the settings' endpoint (or real AWS) with credentials from the environment."""
    if not isinstance(session._jvm.org.apache.hadoop.fs.s3a.S3AFileSystem, JavaClass):
        raise PlatformError("this Python process already runs a Spark session without the S3A jars: start a new process after `make up`")
    options = {"fs.s3a.endpoint.region": settings.aws.region}
    endpoint = settings.aws.endpoint_url
    if endpoint:
        # An emulator: path-style URLs (no bucket DNS names), TLS only if the endpoint has it,
        # and the keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
        access_key, secret_key = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        if not access_key or not secret_key:
            raise PlatformError(f"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the emulator at {endpoint} (any value works, e.g. test)")
        options.update({
            "fs.s3a.endpoint": endpoint,
            "fs.s3a.path.style.access": "true",
            "fs.s3a.connection.ssl.enabled": str(urlparse(endpoint).scheme == "https").lower(),
            "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            "fs.s3a.access.key": access_key,
            "fs.s3a.secret.key": secret_key,
        })
    hadoop_conf = session.sparkContext._jsc.hadoopConfiguration()
    for key, value in options.items():
        hadoop_conf.set(key, value)
