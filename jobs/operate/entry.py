"""The program spark-submit runs on the cluster (jobs.operate.submit): `entry.py JOB ARGUMENTS RESULT`.

ARGUMENTS is a JSON object for the job; its outcome is written to the file RESULT as JSON, with the
folder its code was imported from and the Spark master that ran it.
Settings come from the environment as everywhere (RTDP_ENV, RTDP_HOME, RTDP_* overrides), and the
code is the release's: this file and the packages beside it come from the deployed wheel.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from jobs.config import Settings, load_settings


def _pipeline(settings: Settings, arguments: dict) -> object:
    from jobs.pipeline import run_pipeline

    records = run_pipeline(settings, steps=arguments["steps"], run_id=arguments["run_id"])
    return [asdict(record) for record in records]


def _ml(settings: Settings, arguments: dict) -> object:
    """Model training and scoring: pandas and scikit-learn in the driver; the session only makes the
    run an application of the cluster (listed on its UI, one core held)."""
    from jobs.spark import spark_session
    from ml import train_and_score

    spark_session(settings)
    return asdict(train_and_score(settings, version=arguments.get("version")))


def _stream_segment(settings: Settings, arguments: dict) -> object:
    """A live segment of the real-time path (jobs.stream.segment): its producer and its stream
    job in this driver, the stream's micro-batches on the cluster's executor."""
    from jobs.stream.segment import run_live_segment

    summary = run_live_segment(settings, **arguments)
    return {"produced": asdict(summary.produced), "in_silver": summary.in_silver, "seconds": summary.seconds,
            "latencies": summary.latencies}


JOBS = {"pipeline": _pipeline, "ml": _ml, "stream_segment": _stream_segment}


def main(argv: list[str]) -> None:
    """Run the job; write its outcome with where its code came from and which master ran it."""
    from pyspark.sql import SparkSession

    import jobs

    job, arguments, result = argv
    outcome = JOBS[job](load_settings(), json.loads(arguments))
    session = SparkSession.getActiveSession()
    Path(result).write_text(json.dumps({
        "code": str(Path(jobs.__file__).resolve().parent), "master": session.sparkContext.master if session else None,
        "outcome": outcome,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
