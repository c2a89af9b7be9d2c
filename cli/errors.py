"""The CLI's edge: cxloop errors become one readable line and exit code 2, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer

from core.errors import CxloopError

T = TypeVar("T")


def run_edge(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except CxloopError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
