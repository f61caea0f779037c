"""`rtdp lineage`: where a dataset or report comes from, read from the OpenLineage events."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.tree import Tree

from jobs.cli_errors import user_errors
from jobs.config import load_settings
from jobs.errors import PlatformError
from jobs.trust.lineage.graph import LineageGraph
from jobs.trust.lineage.naming import LAYERS

app = typer.Typer(help="Lineage of datasets and reports, from the jobs' OpenLineage events.", no_args_is_help=True)
console = Console()

EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment: local, dev or prod.", envvar="RTDP_ENV")]


def resolve_key(graph: LineageGraph, name: str) -> str:
    """A dataset key from what the user typed: a key (silver.transactions) or a report name
    (01_revenue_trends); PlatformError if the events know no such dataset."""
    candidates = [name] if name.partition(".")[0] in LAYERS else [f"report.{name}"]
    for key in candidates:
        if key in graph.datasets:
            return key
    raise PlatformError(f"no lineage recorded for '{name}': run the jobs first, or see `rtdp lineage list`")


def _label(graph: LineageGraph, key: str) -> str:
    write = graph.last_write(key)
    if write is None:
        return f"[bold]{key}[/]"
    rows = "" if write.row_count is None else f", {write.row_count:,} rows"
    return f"[bold]{key}[/] [dim]({write.job_name} at {write.written_at[:19].replace('T', ' ')}{rows})[/]"


def lineage_tree(graph: LineageGraph, key: str) -> Tree:
    """`key` with its inputs below it, down to raw files and topics; a dataset met again on
    another branch is shown once more but not expanded again."""
    tree = Tree(_label(graph, key))
    expanded: set[str] = {key}

    def add(node: Tree, parent_key: str) -> None:
        for parent in graph.parents(parent_key):
            if parent in expanded:
                node.add(f"{parent} [dim](see above)[/]")
                continue
            expanded.add(parent)
            add(node.add(_label(graph, parent)), parent)

    add(tree, key)
    return tree


@app.command()
@user_errors
def show(
    dataset: Annotated[str, typer.Argument(help="Dataset key (e.g. gold.fact_transaction) or report name (01_revenue_trends).")],
    env: EnvOption = "local",
) -> None:
    """Print where a dataset or report comes from, back to the raw files and Kafka topics."""
    graph = LineageGraph.load(load_settings(env))
    key = resolve_key(graph, dataset)
    console.print(lineage_tree(graph, key))
    sources = [upstream for upstream in graph.upstream(key) if not graph.parents(upstream)]
    if sources:
        console.print("sources: " + ", ".join(sources))


@app.command("list")
@user_errors
def list_datasets(env: EnvOption = "local") -> None:
    """List every dataset the lineage events know, with its last write."""
    settings = load_settings(env)
    graph = LineageGraph.load(settings)
    if not graph.datasets:
        console.print(f"no lineage events yet in {settings.lineage_events_path}: run the jobs first")
    for key in graph.datasets:
        console.print(_label(graph, key))
