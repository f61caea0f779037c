"""The stack's Spark standalone cluster runs applications: Python tasks on both workers' executors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobs.operate.stack.spark_cluster import master_state

pytestmark = pytest.mark.integration

# In a process of its own: this one may already hold a local Spark session.
APPLICATION = textwrap.dedent("""
    import json, os, sys, time
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(sys.argv[1]).appName("rtdp-cluster-check")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.executor.memory", "512m").config("spark.pyspark.python", sys.executable)
             .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
             .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s")
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
