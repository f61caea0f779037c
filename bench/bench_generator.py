"""Time the seeded generator: generation plus writing every file, into a temporary folder.

Usage: python bench/bench_generator.py [TRANSACTIONS] [--seed N]   (default 1,000,000)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jobs.config import load_settings
from jobs.generator import generate_raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transactions", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rtdp-bench-") as home:
        settings = load_settings("local").model_copy(update={"home": Path(home)})
        started = time.perf_counter()
        summary = generate_raw(settings, transactions=args.transactions, seed=args.seed)
        seconds = time.perf_counter() - started
        size = sum(path.stat().st_size for path in Path(home).rglob("*.csv"))
    rows = sum(summary.row_counts.values())
    print(f"transactions {args.transactions:,}  seed {args.seed}")
    print(f"seconds      {seconds:.2f}")
    print(f"rows/s       {rows / seconds:,.0f} (all {rows:,} rows, {size / 1e6:,.1f} MB written)")
    print(f"transactions/s {args.transactions / seconds:,.0f}")


if __name__ == "__main__":
    main()
