"""How every command line of the platform reports a user error: one red line, exit status 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from jobs.errors import PlatformError

err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., object])


def user_errors(command: F) -> F:
    """Turn a PlatformError into one red line and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PlatformError as error:
            err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None

    return wrapper  # type: ignore[return-value]
