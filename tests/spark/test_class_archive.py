"""The class archive made for real: a new Spark process starts with it, a JVM maps it, and a
damaged copy is refused."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobs import spark_archive
from jobs.config import load_settings
from jobs.operate.stack.spark_jars import cached_spark_jars
from jobs.resources import tools_cache_dir

pytestmark = pytest.mark.spark

PROBE = ("from jobs.config import load_settings; from jobs.spark import spark_session; "
         "s = spark_session(load_settings('local')); assert s.range(5).count() == 5; j = s._jvm.java.lang; "
         "print(repr((list(j.management.ManagementFactory.getRuntimeMXBean().getInputArguments()), "
         "j.System.getProperty('java.class.path'))))")


def test_a_new_session_starts_with_the_archive_a_jvm_maps_it_and_a_damaged_copy_is_refused(tmp_path, monkeypatch):
    jars = tools_cache_dir() / "spark-jars"
    monkeypatch.setenv("RTDP_CACHE_DIR", str(tmp_path))
    if jars.is_dir():  # the S3A jars, if fetched, join every session's class path: keep them
        (tmp_path / "spark-jars").symlink_to(jars)
    class_path = os.pathsep.join(str(jar) for jar in cached_spark_jars(load_settings("local")))
    subprocess.run([sys.executable, "-m", "jobs.spark_archive", class_path], check=True, timeout=600)
    archive = spark_archive._archive(class_path)
    assert archive.is_file()
    assert not [path.name for path in archive.parent.iterdir() if path != archive]  # no lock, no partial file

    said = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "RTDP_HOME": str(tmp_path / "home")}).stdout
    arguments, jvm_class_path = ast.literal_eval(said.strip().splitlines()[-1])
    assert f"-XX:SharedArchiveFile={archive}" in arguments
    assert spark_archive._maps(archive, jvm_class_path)

    damaged = tmp_path / "damaged.jsa"
    shutil.copyfile(archive, damaged)
    os.truncate(damaged, archive.stat().st_size // 2)
    assert not spark_archive._maps(damaged, jvm_class_path)
    assert not list(Path.cwd().glob("hs_err_pid*.log"))  # the crash it provoked left no log here
