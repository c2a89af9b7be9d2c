"""`cxloop ingest` (filled in by its issue)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Ingest calls, chats and work orders.", no_args_is_help=True)
