"""Jobs on the dev cluster: spark-submit with the release that was deployed, not the checkout.

dev runs what `make deploy ENV=dev` released: the wheel of the version in
`deployments/dev.json` of the artifacts bucket is downloaded once (checked against its manifest)
and unpacked into the tools cache with `pip install --no-deps --target` (its dependencies are
the platform environment's, pinned by requirements.lock). spark-submit then runs the wheel's own
entry point, `jobs/operate/entry.py`, with that folder first on the import path of the driver
and of every executor's Python workers, under a readable application name on the cluster's UI.
Each job runs with the credentials of its family's role (jobs.operate.roles), one application per
step, so a step can touch only what its family may. The job writes its result (e.g. lineage
records) as JSON for the caller.

local keeps running every job inside the calling process (the quick demo needs no cluster).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jobs.config import Settings, SparkClusterSettings
from jobs.errors import PlatformError
from jobs.operate.roles import (
    FAMILIES,
    SESSION_SECONDS,
    STREAM_SESSION_SECONDS,
    role_credentials,
    role_name,
    runs_on_cluster,
)
from jobs.operate.stack.paths import stack_paths
from jobs.operate.stack.processes import last_problem_line
from jobs.operate.stack.spark_cluster import SPARK_HOME, master_state
from jobs.resources import tools_cache_dir
from jobs.spark import launch_options
from jobs.trust.lineage.steps import LineageRecord

if TYPE_CHECKING:
    from jobs.stream.segment import SegmentSummary
    from ml.training import MLSummary


@dataclass(frozen=True)
class Release:
    """A deployed release, unpacked for import: `site` holds its `jobs` and `ml` packages;
    `roles` the ARN of each job family's role in the environment it was deployed to."""

    version: str
    sha256: str
    site: Path
    roles: dict[str, str]

    @property
    def entry(self) -> Path:
        return self.site / "jobs" / "operate" / "entry.py"


def _deployment(settings: Settings) -> tuple[object, str, dict]:
    """An S3 client for the artifacts bucket of `settings.env`, its name, and its deployment record."""
    from jobs.operate.deploy.environment import artifacts_bucket
    from jobs.operate.deploy.release import deployed_release as deployment_record

    where, bucket = artifacts_bucket(settings.env)
    s3 = where.s3()
    return s3, bucket, deployment_record(s3, bucket, settings.env)


def deployed_release(settings: Settings) -> Release:
    """The release `settings.env` runs, fetched and unpacked into the tools cache once per wheel."""
    from jobs.operate.deploy.release import fetch_release

    s3, bucket, record = _deployment(settings)
    folder = tools_cache_dir() / "releases" / f"{record['version']}-{record['sha256'][:12]}"
    release = Release(record["version"], record["sha256"], folder / "site", record.get("job_roles", {}))
    if not release.entry.is_file():
        wheel = fetch_release(s3, bucket, record["version"], folder)
        if wheel.sha256 != record["sha256"]:
            raise PlatformError(f"release {record['version']} in s3://{bucket} is not the wheel deployed to "
                                f"{settings.env} (sha256 differs): deploy again with `make deploy ENV={settings.env}`")
        unpacking = Path(tempfile.mkdtemp(prefix="site-", dir=folder))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                        "--target", str(unpacking), str(wheel.path)], check=True, capture_output=True)
        shutil.rmtree(release.site, ignore_errors=True)
        unpacking.rename(release.site)  # whole or not at all: a crash leaves only a temporary folder
    return release


def deployed_roles(settings: Settings) -> dict[str, str]:
    """The ARN of each job family's role in `settings.env`, as its deployment recorded them (the
    record alone: a job in this process needs no wheel)."""
    return _deployment(settings)[2].get("job_roles", {})


def runs_as(release: Release, master: str, role_arn: str) -> str:
    """What runs where, e.g. `release 0.1.0 on spark://127.0.0.1:7077 as rtdp-dev-silver`."""
    return f"release {release.version} on {master} as {role_name(role_arn)}"


def application_name(settings: Settings, job: str, release: Release) -> str:
    """How the cluster's UI lists a job, e.g. `rtdp dev · pipeline silver · 0.1.0`."""
    return f"rtdp {settings.env} · {job} · {release.version}"


def cluster_options(settings: Settings, release: Release, cores: int | None = None) -> dict[str, str]:
    """The spark-submit options of a job of `release` on the cluster; `cores` caps what the
    application holds of it."""
    cluster = settings.spark.cluster
    options = {
        # The driver and the executors' Python workers: this environment's interpreter (the
        # pinned dependencies), the release's packages first on the import path.
        "spark.pyspark.python": sys.executable,
        "spark.executorEnv.PYTHONPATH": str(release.site),
        "spark.executor.memory": cluster.worker_memory,
        "spark.executor.cores": str(cluster.worker_cores),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
    }
    if cores is not None:
        options["spark.cores.max"] = str(cores)
    return options


def submit_command(settings: Settings, release: Release, name: str, job: str, arguments: dict, result: Path,
                   cores: int | None = None, jars: Sequence[Path] = ()) -> list[str]:
    """spark-submit of `job` from `release`; `cores` caps what the application holds of the
    cluster, `jars` join the driver's and executors' class paths (e.g. the Kafka source)."""
    command = [str(SPARK_HOME / "bin" / "spark-submit"), "--master", settings.spark.cluster.master_url,
               "--deploy-mode", "client", "--name", name]
    if jars:
        command += ["--jars", ",".join(str(jar) for jar in jars)]
    for key, value in (launch_options(settings) | cluster_options(settings, release, cores)).items():
        command += ["--conf", f"{key}={value}"]
    return [*command, str(release.entry), job, json.dumps(arguments), str(result)]


def release_environment(settings: Settings, release: Release, acting: str,
                        session_seconds: int = SESSION_SECONDS) -> dict[str, str]:
    """The variables a job process of `release` runs with, beside the caller's: the release's
    packages first on its import path, the cluster as its master, and the credentials of the
    role of `acting` for `session_seconds`."""
    return {
        "PYTHONPATH": os.pathsep.join([str(release.site), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "SPARK_HOME": str(SPARK_HOME),
        "RTDP_ENV": settings.env,
        "RTDP_HOME": str(Path(settings.home).resolve()),
        "RTDP_SPARK__MASTER": settings.spark.cluster.master_url,
        # The jars and class archive the caller's installation fetched (the release has no checkout).
        "RTDP_CACHE_DIR": str(tools_cache_dir()),
        **role_credentials(settings, release.roles, acting, session_seconds),
    }


def _require_cluster(settings: Settings, job: str) -> None:
    """PlatformError in one line unless the cluster of `settings` has a master and a live worker."""
    cluster = settings.spark.cluster
    state = master_state("127.0.0.1", cluster.ui_port)
    if state is None:
        raise PlatformError(f"no Spark master answers at {cluster.master_url}: start the local stack with `make up`")
    if not any(worker.get("state") == "ALIVE" for worker in state.get("workers", [])):
        raise PlatformError(f"the Spark cluster at {cluster.master_url} has no live worker to run {job}: "
                            "`make up` starts its workers (see `make status`)")


def stream_environment(settings: Settings) -> tuple[dict[str, str], str]:
    """The variables that make `rtdp stream run`, started by this process, the stream job of the
    release deployed to `settings.env`: on its cluster, under the streaming role, holding one core
    (the other stays free for the batch steps). The job stays a Python process of its own, which
    the supervisor signals and recognises as in local; pyspark hands PYSPARK_SUBMIT_ARGS to
    spark-submit when the job starts its driver. Also says what will run where (`runs_as`)."""
    _require_cluster(settings, "the stream job")
    release = deployed_release(settings)
    options = " ".join(f"--conf {shlex.quote(f'{key}={value}')}"
                       for key, value in cluster_options(settings, release, cores=1).items())
    environment = release_environment(settings, release, "stream", STREAM_SESSION_SECONDS)
    environment |= {"RTDP_SPARK__APP_NAME": application_name(settings, "stream", release),
                    "PYSPARK_SUBMIT_ARGS": f"{options} pyspark-shell"}
    return environment, runs_as(release, settings.spark.cluster.master_url, release.roles[FAMILIES["stream"]])


@dataclass(frozen=True)
class Submitted:
    """A finished job: what it returned, the folder its code came from, the master that ran it,
    the role it ran as."""

    outcome: object
    code: Path
    master: str
    release: Release
    log_file: Path
    role: str

    def __str__(self) -> str:
        return f"ran {runs_as(self.release, self.master, self.role)} (log: {self.log_file})"


def submit(settings: Settings, job: str, arguments: dict, *, acting: str, label: str | None = None,
           cores: int | None = None, jars: Sequence[Path] = ()) -> Submitted:
    """Run `job` (a name in jobs.operate.entry.JOBS) with `arguments` on the cluster of `settings`,
    from the deployed release, with the credentials of the role of `acting` (a job of
    jobs.operate.roles.FAMILIES). One-line PlatformError when it cannot start or fails."""
    cluster = settings.spark.cluster
    _require_cluster(settings, job)
    release = deployed_release(settings)
    name = application_name(settings, label or job, release)
    logs = stack_paths(settings).logs / "jobs"
    logs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    log_file = logs / f"{job}-{stamp}.log"
    result = logs / f"{job}-{stamp}.result.json"
    environment = {**os.environ, **release_environment(settings, release, acting)}
    command = submit_command(settings, release, name, job, arguments, result, cores, jars)
    with open(log_file, "wb") as log:
        log.write(f"$ {shlex.join(command)}\n".encode())
        log.flush()
        # spark-submit becomes the driver JVM (its scripts exec java): the process is the driver.
        driver = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  env=environment, start_new_session=True)
        try:
            _wait_for_cores(driver, cluster, name)
            returncode = driver.wait()
        finally:
            # The driver and its Python process, whatever ended the run (a killed JVM leaves Python
            # running until its next call into Spark).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
    if returncode != 0 or not result.is_file():
        problem = last_problem_line(log_file)
        how = f"killed by signal {-returncode}" if returncode < 0 else f"exit {returncode}"
        raise PlatformError(f"{name} failed on {cluster.master_url} ({how}); see {log_file}"
                            + (f": {problem}" if problem else ""))
    reported = json.loads(result.read_text())
    return Submitted(reported["outcome"], Path(reported["code"]), reported["master"], release, log_file,
                     release.roles[FAMILIES[acting]])


def _wait_for_cores(driver: subprocess.Popen, cluster: SparkClusterSettings, name: str) -> None:
    """Return once the master gives application `name` its executors (or the driver ends);
    PlatformError naming who holds the cores when that takes longer than the settings allow."""
    deadline = time.monotonic() + cluster.core_wait_seconds
    while driver.poll() is None:
        state = master_state("127.0.0.1", cluster.ui_port) or {}
        applications = state.get("activeapps", [])
        if any(app["name"] == name and app["state"] == "RUNNING" for app in applications):
            return
        if time.monotonic() > deadline:
            held = ", ".join(f"'{app['name']}' ({app['cores']})" for app in applications if app["state"] == "RUNNING")
            raise PlatformError(f"no free worker for {name} on {cluster.master_url} within {cluster.core_wait_seconds:.0f} s: "
                                f"its cores are held by {held or 'other applications'}; it was stopped, run it again when "
                                f"they finish (http://127.0.0.1:{cluster.ui_port})")
        time.sleep(1)


def run_medallion(settings: Settings, steps: Sequence[str], run_id: str) -> tuple[list[LineageRecord], list[Submitted]]:
    """The medallion `steps`: submitted to the cluster where `settings` has one, one application
    per step under its own role (with the record of each submission), else in this process. The
    one path of the CLI and the DAGs. A step holds one core: at these sizes a second executor's
    start costs more than it gives (docs/benchmarks.md), and the other core stays free."""
    from jobs.pipeline import run_pipeline

    if not runs_on_cluster(settings):
        return run_pipeline(settings, steps=steps, run_id=run_id), []
    records: list[LineageRecord] = []
    submissions = []
    for step in steps:
        submitted = submit(settings, "pipeline", {"steps": [step], "run_id": run_id}, acting=step, cores=1,
                           label=f"pipeline {step}")
        records += [LineageRecord(**record) for record in submitted.outcome]
        submissions.append(submitted)
    return records, submissions


def train_models(settings: Settings, version: str | None = None) -> tuple[MLSummary, list[Submitted]]:
    """ML training and scoring (ml.train_and_score): submitted where `settings` has a cluster,
    holding one core of it, else in this process."""
    from ml.training import MLSummary, ModelRun, train_and_score

    if not runs_on_cluster(settings):
        return train_and_score(settings, version=version), []
    submitted = submit(settings, "ml", {"version": version}, acting="ml", label="ml train and score", cores=1)
    outcome = submitted.outcome
    runs = {name: ModelRun(**run) for name, run in outcome["runs"].items()}
    return MLSummary(version=outcome["version"], runs=runs, rows_written=outcome["rows_written"]), [submitted]


def live_segment(settings: Settings, events: int, rate: float, topic_prefix: str) -> tuple[SegmentSummary, list[Submitted]]:
    """A live segment of the real-time path (jobs.stream.segment.run_live_segment): submitted where
    `settings` has a cluster, under the streaming role and holding one core, else in this process."""
    from jobs.stream.producer import ProduceSummary
    from jobs.stream.segment import SegmentSummary, run_live_segment
    from jobs.stream.spark_kafka import kafka_connector_jars

    arguments = {"events": events, "rate": rate, "topic_prefix": topic_prefix}
    if not runs_on_cluster(settings):
        return run_live_segment(settings, **arguments), []
    submitted = submit(settings, "stream_segment", arguments, acting="stream", label="stream live segment", cores=1,
                       jars=kafka_connector_jars(settings))
    outcome = submitted.outcome
    return SegmentSummary(ProduceSummary(**outcome["produced"]), outcome["in_silver"], outcome["seconds"],
                          outcome["latencies"]), [submitted]
