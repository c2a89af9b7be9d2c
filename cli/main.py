"""`cxloop`: the command line. A thin edge: parse, build settings once, call library functions, print."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli import demo as demo_cmd
from cli import flows as flows_cmd
from cli import ingest as ingest_cmd
from cli import insights as insights_cmd
from cli import kb as kb_cmd
from cli import keys as keys_cmd
from cli import models as models_cmd
from cli import users as users_cmd
from cli.errors import run_edge
from cli.serve import serve_api
from cli.settings import build_settings

app = typer.Typer(
    name="cxloop",
    help="Contact-center insight pipeline: sense (ingest), decide (classify), act (assist, Andon), feed back.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(models_cmd.app, name="models")
app.add_typer(users_cmd.app, name="users")
app.add_typer(ingest_cmd.app, name="ingest")
app.add_typer(kb_cmd.app, name="kb")
app.add_typer(insights_cmd.app, name="insights")
app.add_typer(flows_cmd.app, name="flows")
app.command("search")(ingest_cmd.search_command)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default: ./data or CXLOOP_DATA_DIR).")]


@app.command()
def demo(
    data_dir: DataDir = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API when the demo is done.")] = True,
    until: Annotated[
        str | None,
        typer.Option(help="Stop after this stage (database, keys, models, corpus, chats, ...); implies --no-serve."),
    ] = None,
) -> None:
    """Run every pipeline stage on the bundled demo corpus, then serve the API."""
    settings = build_settings(data_dir)
    run_edge(lambda: demo_cmd.run(settings, serve=serve, until=until))


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings: 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings: 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default from settings: 1, which embeds as many questions at once as the "
            "embedder has threads; more workers pay off with more cores).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (uvicorn)."""
    settings = build_settings(data_dir)
    run_edge(lambda: serve_api(settings, host=host, port=port, workers=workers))


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Create or upgrade the database schema (also done by every other command that needs it)."""
    from core.db import engine_for
    from core.db import migrate as do_migrate

    settings = build_settings(data_dir)
    run_edge(lambda: do_migrate(engine_for(settings)))
    typer.echo(f"database at {settings.database_url.split('@')[-1]} is up to date")


@app.command()
def doctor(data_dir: DataDir = None) -> None:
    """Check the database, vector store and models, like GET /readyz."""
    settings = build_settings(data_dir)
    run_edge(lambda: models_cmd.doctor(settings))


def main() -> None:
    sys.exit(app())


if __name__ == "__main__":
    main()
