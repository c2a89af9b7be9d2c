"""`cxloop users add|list|passwd|disable|enable`: the console's user accounts (people; machines use API keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import run_edge
from cli.keys import _sessions
from core.settings import ROLES

app = typer.Typer(help="Console user accounts: add, list, set a password, disable, enable.", no_args_is_help=True)
DataDir = Annotated[Path | None, typer.Option("--data-dir")]


def _password(given: str | None) -> str:
    if given is not None:
        return given
    return str(typer.prompt("password (10+ characters)", hide_input=True, confirmation_prompt=True))


@app.command()
def add(
    username: str,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the username).")] = None,
    language: Annotated[str, typer.Option(help="UI language: zh or en.")] = "zh",
    agent_id: Annotated[str | None, typer.Option(help="The agent id on this person's conversations.")] = None,
    team: Annotated[str | None, typer.Option(help="Their team (a sales lead's digest opens on it).")] = None,
    password: Annotated[
        str | None, typer.Option(help="Default: asked for (hidden). Prefer the prompt: options land in shell history.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Add a user who signs in to the console at /console."""
    from core.db import transaction
    from core.users import create_user

    def go() -> None:
        secret = _password(password)
        with transaction(_sessions(data_dir)) as session:
            user = create_user(
                session, username, secret, role=role, display_name=name, language=language, agent_id=agent_id, team=team
            )
        typer.echo(f"added {user.username} ({user.role}, {user.language})")

    run_edge(go)


@app.command("list")
def list_(data_dir: DataDir = None) -> None:
    """List users (never passwords)."""
    from core.users import list_users

    def go() -> None:
        with _sessions(data_dir)() as session:
            for u in list_users(session):
                state = "disabled" if u.disabled else "active"
                typer.echo(f"{u.username:<24} {u.role:<10} {u.language}  {state:<8} {u.display_name}")

    run_edge(go)


@app.command()
def passwd(
    username: str,
    password: Annotated[str | None, typer.Option(help="Default: asked for (hidden).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Set a new password (unlocks the account; signs the user out everywhere)."""
    from core.db import transaction
    from core.users import set_password

    def go() -> None:
        secret = _password(password)
        with transaction(_sessions(data_dir)) as session:
            set_password(session, username, secret)
        typer.echo(f"password set for {username}")

    run_edge(go)


def _toggle(username: str, data_dir: Path | None, *, disabled: bool) -> None:
    from core.db import transaction
    from core.users import update_user

    def go() -> None:
        with transaction(_sessions(data_dir)) as session:
            update_user(session, username, disabled=disabled)
        typer.echo(f"{'disabled' if disabled else 'enabled'} {username}")

    run_edge(go)


@app.command()
def disable(username: str, data_dir: DataDir = None) -> None:
    """Disable an account (its sessions end at once)."""
    _toggle(username, data_dir, disabled=True)


@app.command()
def enable(username: str, data_dir: DataDir = None) -> None:
    """Enable a disabled account again."""
    _toggle(username, data_dir, disabled=False)
