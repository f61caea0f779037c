"""One checkpoint per day: `dayNN.py` holds its `CRITERIA`, judged by `course.grading`."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from jobs.config import Settings, load_settings


def kafka_broker(settings: Settings) -> str:
    """The bootstrap servers of `settings`, starting the local broker first (as `make up` does)
    when nothing answers there: the days of the stream need it."""
    from jobs.operate.stack import stack_up
    from jobs.operate.stack.processes import accepts_connections

    servers = settings.kafka.bootstrap_servers
    host, _, port = servers.split(",")[0].rpartition(":")
    if not accepts_connections(host, int(port)):
        print(f"  (starting the local Kafka broker on {servers}, as `make up` does)", flush=True)
        stack_up(settings)
    return servers


def local_settings(home: Path) -> Settings:
    """The local environment with its data under `home`: the learner's checkout, or a check's scratch folder."""
    return load_settings("local").model_copy(update={"home": home})


@contextlib.contextmanager
def jvm_output_to(log_file: Path) -> Iterator[None]:
    """Send what this process's Spark JVM prints (start-up notes, progress bars) to `log_file`,
    so a check that runs the learner's Spark code in-process shows only its verdicts."""
    sys.stderr.flush()
    saved = os.dup(2)
    with log_file.open("ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
