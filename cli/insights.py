"""`cxloop insights` (filled in by its issue)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Classify conversations; train classifier heads.", no_args_is_help=True)
