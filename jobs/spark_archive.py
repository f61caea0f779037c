"""A class-data-sharing archive for the Spark driver JVM: made once per machine, used by every
session after it.

A Spark JVM loads and verifies thousands of classes before its first job. Java's AppCDS maps
them instead from an archive that an earlier JVM wrote at its exit (`-XX:ArchiveClassesAtExit`),
which takes about 3 s off every session start here (see docs/benchmarks.md). The first session
that finds no archive starts a small process that makes one (about 30 s, once, niced); sessions
that start meanwhile run without. An archive belongs to one JVM and one class path, so its name
carries both; a JVM that still finds it unusable ignores it (sharing is never required) quietly.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pyspark

from jobs.resources import tools_cache_dir

_QUIET = "-Xlog:cds*=off"


def java_options(class_path: str) -> str:
    """The driver JVM options that use the archive of `class_path`; none while it does not exist
    yet, and then a process of its own is started to make it (once: a lock says who does)."""
    archive = _archive(class_path)
    if archive.is_file():
        return f"-XX:SharedArchiveFile={archive} {_QUIET}"
    if _claim(archive.with_suffix(".lock")):
        # In the background and niced: the session asking goes on at once, without an archive.
        # Never through the gateway of a driver that spark-submit started: a JVM of its own.
        environment = {name: value for name, value in os.environ.items() if not name.startswith("PYSPARK_GATEWAY_")}
        subprocess.Popen([sys.executable, "-m", __name__, class_path], stdin=subprocess.DEVNULL, env=environment,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return ""


def _java() -> Path | None:
    """The java that Spark's launcher runs: $JAVA_HOME/bin/java, else the first on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    java = shutil.which("java", path=os.path.join(java_home, "bin") if java_home else None)
    return Path(java).resolve() if java else None


def _archive(class_path: str) -> Path:
    # The JVM build (its binary, replaced by an upgrade), the Spark installation, the class path.
    binary = _java()
    identity = "\n".join([f"{binary}:{binary.stat().st_mtime_ns}" if binary else "", str(Path(pyspark.__file__).parent),
                          class_path])
    return tools_cache_dir() / "spark-cds" / f"{hashlib.sha256(identity.encode()).hexdigest()[:16]}.jsa"


def _claim(lock: Path) -> bool:
    """True if this process may have the archive made: no live process holds the lock."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            with open(lock, "x") as held:
                held.write(str(os.getpid()))
            return True
        except FileExistsError:
            if _holder_alive(lock):
                return False
            lock.unlink(missing_ok=True)  # its maker died before publishing
    return False


def _holder_alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text())
        if pid <= 0:  # os.kill(0, ...) would ask about this process's own group
            return False
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, FileNotFoundError):
        return False
    except PermissionError:
        return True
    return True


def make_archive(class_path: str) -> None:
    """Run a small pipeline-like workload in a JVM that archives the classes it loaded at its
    exit, then publish the archive under its final name (no session maps a half-written one)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    archive = _archive(class_path)
    lock = archive.with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(str(os.getpid()))  # the lock is now this process's
    partial = archive.with_name(f"{archive.stem}.{os.getpid()}.partial")
    try:
        builder = (SparkSession.builder.master("local[1]").appName("rtdp-class-archive")
                   .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.extraJavaOptions", f"-XX:ArchiveClassesAtExit={partial} {_QUIET}"))
        if class_path:
            builder = builder.config("spark.driver.extraClassPath", class_path)
        spark = builder.getOrCreate()
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "in.csv").write_text("id,name,amount\n1,a,2.5\n1,a,2.5\n2,b,x\n3\n")
            rows = (spark.read.option("header", "true").option("mode", "PERMISSIVE")
                    .schema("id string, name string, amount string, _corrupt_record string")
                    .option("columnNameOfCorruptRecord", "_corrupt_record").csv(f"{scratch}/in.csv")
                    .withColumn("value", F.col("amount").try_cast("decimal(12,2)"))
                    .withColumn("rank", F.row_number().over(Window.partitionBy("id").orderBy("name")))
                    .withColumn("record", F.to_json(F.struct("id", "name")))).persist()
            keys = F.broadcast(rows.select("id").distinct())
            joined = rows.join(keys, "id", "left").groupBy("id").agg(F.sum("value").alias("total"), F.count("*"))
            joined.write.mode("overwrite").partitionBy("id").parquet(f"{scratch}/out")
            spark.read.parquet(f"{scratch}/out").repartition(1).sortWithinPartitions("total").collect()
        jvm_class_path = spark._jvm.java.lang.System.getProperty("java.class.path")
        process = SparkContext._gateway.proc
        process.stdin.close()  # the gateway JVM exits when this pipe closes, writing the archive
        process.wait(timeout=300)
        if partial.is_file() and _maps(partial, jvm_class_path):
            os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)
        lock.unlink(missing_ok=True)


def _maps(partial: Path, jvm_class_path: str) -> bool:
    """True if a JVM can map the archive: a damaged one (a disk that filled up while it was
    written) would crash every JVM that tries, so it is never published. The check runs in a
    scratch folder, where such a crash leaves its hs_err log."""
    with tempfile.TemporaryDirectory() as scratch:
        check = subprocess.run([str(_java() or "java"), "-Xshare:on", f"-XX:SharedArchiveFile={partial}", _QUIET,
                                f"-XX:ErrorFile={scratch}/hs_err_%p.log", "-cp", jvm_class_path, "-version"],
                               cwd=scratch, capture_output=True, check=False, timeout=60)
    return check.returncode == 0


if __name__ == "__main__":
    os.nice(10)
    make_archive(sys.argv[1] if len(sys.argv) > 1 else "")
