"""Command line of the ML jobs: `train` runs all five use cases on gold and prints their metrics.

Mounted in `rtdp` as `rtdp ml train`. Importing this module stays cheap: scikit-learn and
Prophet load only when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from jobs.config import load_settings
from jobs.errors import PlatformError

if TYPE_CHECKING:
    from ml.training import MLSummary

app = typer.Typer(no_args_is_help=True)
console = Console()

# The metrics worth a glance per model; the registry keeps all of them.
HEADLINE_METRICS = {
    "demand_forecast": ("total_mape", "total_baseline_mape", "total_smape", "total_baseline_smape"),
    "anomaly_detection": ("flagged", "recall_top_share", "precision_top_share"),
    "churn": ("roc_auc", "brier", "test_customers", "flagged_customers"),
    "customer_segments": ("k", "silhouette"),
    "cross_sell": ("recommendations", "affinity_hit_rate"),
}


def _format(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3f}"


def summary_table(summary: MLSummary) -> Table:
    """A table with one row per model: algorithm, headline metrics, seconds."""
    table = Table(title=f"ML run {summary.version}", title_justify="left")
    for column in ("model", "algorithm", "metrics", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for name, run in summary.runs.items():
        shown = [f"{metric}={_format(run.metrics[metric])}" for metric in HEADLINE_METRICS.get(name, ())
                 if metric in run.metrics]
        table.add_row(name, run.algorithm, ", ".join(shown), f"{run.training_seconds:.1f}")
    return table


@app.callback()
def main() -> None:
    """Machine learning on gold: forecasting, segments, churn, anomalies, cross-sell."""


@app.command()
def train(env: Annotated[str, typer.Option("--env", "-e", help="Environment: local, dev or prod.",
                                           envvar="RTDP_ENV")] = "local") -> None:
    """Train and score all models on gold; write the ML tables and register the models."""
    from jobs.operate.submit import train_models

    try:
        summary, _ = train_models(load_settings(env))
    except PlatformError as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    console.print(summary_table(summary))
    written = ", ".join(f"{table} ({rows:,} rows)" for table, rows in summary.rows_written.items())
    console.print(f"Written to gold: {written}")
