"""`cxloop kb` (filled in by its issue)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Knowledge base: index documents, list gaps.", no_args_is_help=True)
