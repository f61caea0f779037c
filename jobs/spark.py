"""The Spark session every batch job uses: explicit memory, UTC, quiet logs.

`spark.driver_memory` is what the driver JVM may take as a whole, not its heap alone: a Spark
driver holds about 0.5 GB besides its heap (class metadata, the class archive, compiled code, GC
structures, thread stacks; measured with -XX:NativeMemoryTracking on the stream), so the heap
gets HEAP_SHARE of it and the compiled-code and class-metadata areas are capped.

Layers on s3:// are read and written through Hadoop's S3A connector. Its jars (hadoop-aws and
the AWS SDK bundle) are not in the pyspark wheel: `make up` fetches them into `.cache/spark-jars`
and, once there, they join the driver class path of every session, so one session per process
serves local and S3 layers alike. `launch_options` are what spark-submit passes when a job runs
on the cluster (jobs.operate.submit).
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


def launch_options(settings: Settings, *, jvm_flags: bool = True) -> dict[str, str]:
    """The settings a driver JVM takes only when it starts (later, Spark ignores them): its memory,
    its JVM flags, and the S3A jars on the class path of the driver and of any cluster executors
    (the local stack's workers run on this machine, so the same paths serve them).

    Raises PlatformError if a layer is on s3:// and the S3A jars are missing.
    """
    s3a_jars = cached_spark_jars(settings)
    if uses_s3(settings) and not s3a_jars:
        raise PlatformError("the S3A jars Spark needs for s3:// layers are not in .cache/spark-jars: run `make up` to fetch them")
    class_path = os.pathsep.join(str(jar) for jar in s3a_jars)
    options = {"spark.driver.memory": heap_size(settings.spark.driver_memory)}
    if jvm_flags:
        options["spark.driver.extraJavaOptions"] = f"{NON_HEAP_LIMITS} {java_options(class_path)}".strip()
    if s3a_jars:
        # The class path, not spark.jars: that would copy the 650 MB AWS SDK bundle into a
        # temporary folder at every session start.
        options["spark.driver.extraClassPath"] = class_path
        options["spark.executor.extraClassPath"] = class_path
    return options


def spark_session(settings: Settings) -> SparkSession:
    """Start (or reuse) the Spark session configured for `settings`.

    Raises PlatformError if a layer is on s3:// and the S3A jars or credentials are missing.
    """
    # A JVM already runs when an earlier session started one, or when spark-submit launched this
    # process (jobs.operate.submit): its flags are set, and spark-submit's --name stands.
    jvm_running = SparkContext._gateway is not None or "PYSPARK_GATEWAY_PORT" in os.environ
    builder = SparkSession.builder if jvm_running else SparkSession.builder.appName(settings.spark.app_name or f"rtdp-{settings.env}")
    builder = (
        builder.master(settings.spark.master)
        .config("spark.sql.shuffle.partitions", str(settings.spark.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
        # Rewrites replace only the partitions a run produces.
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    for key, value in launch_options(settings, jvm_flags=not jvm_running).items():
        builder = builder.config(key, value)
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
        # and the keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (a role's, with AWS_SESSION_TOKEN).
        access_key, secret_key = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        session_token = os.environ.get("AWS_SESSION_TOKEN")
        if not access_key or not secret_key:
            raise PlatformError(f"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the emulator at {endpoint} (test and test on the local emulator)")
        options.update({
            "fs.s3a.endpoint": endpoint,
            "fs.s3a.path.style.access": "true",
            "fs.s3a.connection.ssl.enabled": str(urlparse(endpoint).scheme == "https").lower(),
            "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a."
                                               + ("TemporaryAWSCredentialsProvider" if session_token else "SimpleAWSCredentialsProvider"),
            "fs.s3a.access.key": access_key,
            "fs.s3a.secret.key": secret_key,
        })
        if session_token:
            options["fs.s3a.session.token"] = session_token
    hadoop_conf = session.sparkContext._jsc.hadoopConfiguration()
    for key, value in options.items():
        hadoop_conf.set(key, value)
