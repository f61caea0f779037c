"""Which environments submit their jobs to a cluster, how spark-submit is called, and its one-line refusals."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from jobs import spark
from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.operate import submit as submission
from jobs.operate.roles import FAMILIES, STREAM_SESSION_SECONDS, runs_on_cluster
from jobs.operate.stack.stack import private_stack_variables
from jobs.operate.submit import Release, application_name, submit, submit_command

pytestmark = pytest.mark.unit


def test_dev_submits_to_its_cluster_and_local_runs_in_process(monkeypatch):
    assert runs_on_cluster(load_settings("dev"))
    assert not runs_on_cluster(load_settings("local"))
    # Even when a private stack's ports (and so a cluster) are in the environment, local stays in-process.
    for name, value in private_stack_variables(Path("state")).items():
        monkeypatch.setenv(name, value)
    assert load_settings("local").spark.cluster is not None
    assert not runs_on_cluster(load_settings("local"))


def test_spark_submit_runs_the_release_entry_point_with_its_packages_first_on_every_python_path(monkeypatch, tmp_path):
    settings = load_settings("dev").model_copy(update={"home": tmp_path})
    # The S3A jars as `rtdp stack jars` leaves them: a unit test must not need them fetched.
    jars = [tmp_path / "jars" / "hadoop-aws.jar", tmp_path / "jars" / "bundle.jar"]
    monkeypatch.setattr(spark, "cached_spark_jars", lambda settings: jars)
    monkeypatch.setattr(spark, "java_options", lambda class_path: "")  # no class-data archive made for them
    release = Release(version="1.2.3", sha256="ab" * 32, site=tmp_path / "site", roles={})
    name = application_name(settings, "pipeline bronze", release)
    assert name == "rtdp dev · pipeline bronze · 1.2.3"
    command = submit_command(settings, release, name, "pipeline", {"steps": ["bronze"]}, tmp_path / "result.json")
    assert command[command.index("--master") + 1] == "spark://127.0.0.1:7077"
    assert command[command.index("--name") + 1] == name
    confs = dict(command[index + 1].split("=", 1) for index, part in enumerate(command) if part == "--conf")
    assert confs["spark.executorEnv.PYTHONPATH"] == str(tmp_path / "site")
    assert confs["spark.executor.memory"] == "1g" and confs["spark.driver.host"] == "127.0.0.1"
    assert confs["spark.executor.extraClassPath"] == os.pathsep.join(map(str, jars))
    assert command[-4:] == [str(tmp_path / "site" / "jobs" / "operate" / "entry.py"), "pipeline", '{"steps": ["bronze"]}',
                            str(tmp_path / "result.json")]


def test_submitting_without_a_running_master_is_one_line(monkeypatch, tmp_path):
    for name, value in private_stack_variables(tmp_path / "state").items():
        monkeypatch.setenv(name, value)
    settings = load_settings("dev")
    with pytest.raises(PlatformError) as raised:
        submit(settings, "pipeline", {"steps": ["bronze"], "run_id": "x"}, acting="bronze")
    message = str(raised.value)
    assert "\n" not in message
    assert message == f"no Spark master answers at {settings.spark.cluster.master_url}: start the local stack with `make up`"


def test_the_stream_job_of_dev_is_the_release_on_the_cluster_under_the_streaming_role(monkeypatch, tmp_path):
    settings = load_settings("dev").model_copy(update={"home": tmp_path})
    release = Release(version="1.2.3", sha256="ab" * 32, site=tmp_path / "site with space",
                      roles={"streaming": "arn:aws:iam::123456789012:role/rtdp-dev-streaming"})
    assumed = []

    def role_credentials(settings, roles, job, session_seconds):
        assumed.append((roles[FAMILIES[job]], session_seconds))
        return {"AWS_ACCESS_KEY_ID": "ASIA-STREAM", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}

    monkeypatch.setattr(submission, "master_state", lambda host, port: {"workers": [{"state": "ALIVE"}]})
    monkeypatch.setattr(submission, "deployed_release", lambda settings: release)
    monkeypatch.setattr(submission, "role_credentials", role_credentials)
    environment, runs = submission.stream_environment(settings)
    assert runs == "release 1.2.3 on spark://127.0.0.1:7077 as rtdp-dev-streaming"
    assert assumed == [("arn:aws:iam::123456789012:role/rtdp-dev-streaming", STREAM_SESSION_SECONDS)]
    assert environment["AWS_ACCESS_KEY_ID"] == "ASIA-STREAM" and environment["AWS_SESSION_TOKEN"] == "t"
    assert environment["PYTHONPATH"].split(os.pathsep)[0] == str(release.site)
    assert environment["RTDP_SPARK__MASTER"] == "spark://127.0.0.1:7077"
    assert environment["RTDP_SPARK__APP_NAME"] == "rtdp dev · stream · 1.2.3"
    # What pyspark hands spark-submit: it splits the variable as a shell would.
    arguments = shlex.split(environment["PYSPARK_SUBMIT_ARGS"])
    assert arguments[-1] == "pyspark-shell"
    confs = dict(arguments[index + 1].split("=", 1) for index, part in enumerate(arguments) if part == "--conf")
    assert confs["spark.executorEnv.PYTHONPATH"] == str(release.site)
    assert confs["spark.cores.max"] == "1"
    # The settings the job process loads name the release's application and the cluster.
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    loaded = load_settings("dev")
    assert (loaded.spark.master, loaded.spark.app_name) == ("spark://127.0.0.1:7077", "rtdp dev · stream · 1.2.3")


def test_a_job_finds_the_deployed_release_without_the_terraform_configurations(monkeypatch):
    # Deployed jobs run from the wheel (a container, an Airflow worker): no clone, no modules/.
    from jobs.operate.deploy import environment

    def no_clone():
        raise PlatformError("the Terraform configurations are not installed with the wheel")

    monkeypatch.setattr(environment, "checkout_dir", no_clone)
    where, bucket = environment.artifacts_bucket("dev")
    assert (where.name, bucket) == ("dev", "rtdp-dev-artifacts")
    with pytest.raises(PlatformError, match="not installed with the wheel"):
        _ = where.root
