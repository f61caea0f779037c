"""The class archive's bookkeeping, without a JVM: its name per class path, who may make it,
and what a session is told to do with or without it."""

from __future__ import annotations

import os
import subprocess

import pytest

from jobs import spark_archive

pytestmark = pytest.mark.unit


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RTDP_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_each_class_path_has_an_archive_of_its_own_in_the_tools_cache(cache):
    plain, with_jars = spark_archive._archive(""), spark_archive._archive("/jars/hadoop-aws.jar")
    assert plain != with_jars
    assert plain.parent == with_jars.parent == cache / "spark-cds"
    assert spark_archive._archive("") == plain


def test_one_live_process_holds_the_lock_and_a_dead_ones_lock_is_taken_over(cache):
    lock = cache / "spark-cds" / "x.lock"
    assert spark_archive._claim(lock)
    assert not spark_archive._claim(lock)  # held by this (live) process
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock.write_text(str(dead.pid))
    assert spark_archive._claim(lock)
    assert lock.read_text() == str(os.getpid())
    lock.write_text("")  # a maker that died between creating the lock and writing its pid
    assert spark_archive._claim(lock)


def test_a_session_maps_an_existing_archive_and_otherwise_has_one_made_once(cache, this_thread_only):
    started = []
    this_thread_only(spark_archive.subprocess, "Popen", lambda command, **_: started.append(command))

    assert spark_archive.java_options("/a.jar") == ""
    assert spark_archive.java_options("/a.jar") == ""  # the maker (this process) holds the lock
    assert len(started) == 1 and started[0][-2:] == ["jobs.spark_archive", "/a.jar"]

    archive = spark_archive._archive("/a.jar")
    archive.write_bytes(b"made")
    assert spark_archive.java_options("/a.jar").startswith(f"-XX:SharedArchiveFile={archive} ")
