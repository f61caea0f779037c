"""The stack's Spark standalone cluster runs applications: Python tasks on both workers' executors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.operate.stack import stack_up
from jobs.operate.stack.spark_cluster import master_state
from jobs.operate.submit import submit

pytestmark = pytest.mark.integration

# In a process of its own: this one may already hold a local Spark session.
APPLICATION = textwrap.dedent("""
    import json, os, sys, time
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(sys.argv[1]).appName("rtdp-cluster-check")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.executor.memory", "512m").config("spark.pyspark.python", sys.executable)
             # Wait for both workers' cores before the first task: a standalone cluster counts the
             # ratio below against spark.cores.max, and without it starts at once.
             .config("spark.cores.max", "2")
             .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
             .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
             .getOrCreate())
    def where(number):
        time.sleep(1)  # long enough for both executors to take tasks
        return number, os.getcwd()
    print(json.dumps(spark.sparkContext.parallelize(range(6), 6).map(where).collect()))
    spark.stop()
""")


def test_a_python_job_runs_on_the_executors_of_both_workers(local_stack):
    cluster = local_stack.spark.cluster
    finished = subprocess.run([sys.executable, "-c", APPLICATION, cluster.master_url], capture_output=True, text=True,
                              timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr[-2000:]
    results = json.loads(finished.stdout.strip().splitlines()[-1])
    assert sorted(number for number, _ in results) == list(range(6))
    # An executor's Python workers run in its folder under the worker's work dir.
    workers = {Path(folder).parts[-4] for _, folder in results}
    assert workers == {"spark-worker-1", "spark-worker-2"}
    state = master_state("127.0.0.1", cluster.ui_port)
    assert [worker["state"] for worker in state["workers"]] == ["ALIVE", "ALIVE"]
    assert "rtdp-cluster-check" in {application["name"] for application in state["completedapps"]}


def test_a_cluster_without_a_live_worker_refuses_a_job_in_one_line(isolated_stack):
    stack_up(isolated_stack, only=["spark-master"])
    settings = load_settings("dev")
    with pytest.raises(PlatformError) as raised:
        submit(settings, "pipeline", {"steps": ["bronze"], "run_id": "no-worker"}, acting="bronze")
    assert str(raised.value) == (f"the Spark cluster at {settings.spark.cluster.master_url} has no live worker to run "
                                 "pipeline: `make up` starts its workers (see `make status`)")
