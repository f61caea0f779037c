"""`rtdp catalog ...`: regenerate the static data catalog."""

from __future__ import annotations

from typing import Annotated

import typer

from jobs.cli_errors import user_errors
from jobs.config import load_settings

# A callback keeps `build` a subcommand (typer would run a lone command directly).
app = typer.Typer(no_args_is_help=True)


@app.callback()
def catalog() -> None:
    """The data catalog: every dataset with its columns, owner, location, quality and lineage."""


EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment: local, dev or prod.", envvar="RTDP_ENV")]


@app.command("build")
@user_errors
def build(env: EnvOption = "local") -> None:
    """Regenerate the catalog's HTML pages; print the path of its index page (open it in a browser)."""
    from jobs.trust.catalog.build import build_catalog

    result = build_catalog(load_settings(env))
    typer.echo(str(result.index_path))
