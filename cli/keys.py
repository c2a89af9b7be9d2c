"""`cxloop keys create|list|revoke`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import run_edge
from cli.settings import build_settings
from core.settings import ROLES

app = typer.Typer(help="Create, list and revoke API keys (stored hashed; shown once).", no_args_is_help=True)


def _sessions(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from core.db import engine_for, migrate, session_factory

    settings = build_settings(data_dir)
    engine = engine_for(settings)
    migrate(engine)
    return session_factory(engine)


@app.command()
def create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key.")] = "cli",
    data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None,
) -> None:
    """Create a key; the full key is printed once."""
    from core.db import transaction
    from core.keys import create_key

    def go() -> None:
        with transaction(_sessions(data_dir)) as session:
            issued = create_key(session, role=role, name=name)
        typer.echo(f"created key {issued.id} (role {issued.role}); store it now, it is not shown again:")
        typer.echo(issued.secret)

    run_edge(go)


@app.command("list")
def list_(data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None) -> None:
    """List keys (ids, roles, names; never secrets)."""
    from core.keys import list_keys

    def go() -> None:
        with _sessions(data_dir)() as session:
            for row in list_keys(session):
                state = "revoked" if row.revoked_at else "active"
                typer.echo(f"{row.id}  {row.role:<10}  {state:<7}  {row.created_at:%Y-%m-%d %H:%M}  {row.name}")

    run_edge(go)


@app.command()
def revoke(key_id: str, data_dir: Annotated[Path | None, typer.Option("--data-dir")] = None) -> None:
    """Revoke a key by id."""
    from core.db import transaction
    from core.keys import revoke_key

    def go() -> None:
        with transaction(_sessions(data_dir)) as session:
            revoke_key(session, key_id)
        typer.echo(f"revoked {key_id}")

    run_edge(go)
