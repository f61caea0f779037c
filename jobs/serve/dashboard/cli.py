"""`rtdp dashboard start|serve|stop|status` (`make dashboard`, `make dashboard-stop`)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from jobs.cli_errors import user_errors
from jobs.config import load_settings
from jobs.operate.stack.cli import print_statuses
from jobs.operate.stack.lifecycle import service_status, start_service, stop_service
from jobs.serve.dashboard.service import LOOPBACK, dashboard

app = typer.Typer(no_args_is_help=True)
EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment whose data it shows: local, dev or prod.",
                                        envvar="RTDP_ENV")]


@app.command()
@user_errors
def start(env: EnvOption = "local") -> None:
    """Serve the dashboard on 127.0.0.1 in the background (reuses a running one)."""
    server = dashboard(load_settings(env))
    print_statuses("Dashboard", [start_service(server)])
    typer.echo(f"Open {server.url}")


@app.command()
@user_errors
def serve(
    env: EnvOption = "local",
    address: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 in a container, whose port the host "
                                               "publishes on its own 127.0.0.1.")] = LOOPBACK,
) -> None:
    """Serve the dashboard in the foreground (a container's main process; Ctrl-C stops it)."""
    server = dashboard(load_settings(env))
    server.prepare()
    command = server.command()
    command[command.index("--server.address") + 1] = address
    typer.echo(f"dashboard of {env} on {address}:{server.port}", err=True)
    os.execv(command[0], command)


@app.command()
@user_errors
def stop(env: EnvOption = "local") -> None:
    """Stop the dashboard that `start` began."""
    print_statuses("Dashboard", [stop_service(dashboard(load_settings(env)))])


@app.command()
@user_errors
def status(env: EnvOption = "local") -> None:
    """Whether the dashboard runs, with its pid, memory and log."""
    print_statuses("Dashboard", [service_status(dashboard(load_settings(env)))])
