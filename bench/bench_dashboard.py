"""Time one refresh of the dashboard's overview, and one report page, on the warehouse and lake
of the current project folder (RTDP_HOME, else here): what the server does every refresh.

Usage: python bench/bench_dashboard.py [--env local] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from jobs.config import load_settings
from jobs.serve.dashboard import figures
from jobs.serve.dashboard.snapshot import snapshot
from jobs.serve.reports.definitions import load_reports


def _seconds(step, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings(args.env)
    report = load_reports()[0]

    def overview() -> None:
        with snapshot(settings) as snap:
            figures.overview(snap, datetime.now(UTC).replace(tzinfo=None))

    def report_page() -> None:
        with snapshot(settings) as snap:
            figures.report_frame(snap, report)

    with snapshot(settings) as snap:
        transactions = snap.connection.execute("SELECT count(*) FROM live_transactions").fetchone()[0]
    print(f"warehouse    {settings.warehouse_path} ({transactions:,} transactions with the stream's)")
    for name, step in (("overview", overview), (report.name, report_page)):
        timings = _seconds(step, args.repeat)
        print(f"{name:<20} median {statistics.median(timings):.3f} s  max {max(timings):.3f} s  ({args.repeat} runs)")


if __name__ == "__main__":
    main()
