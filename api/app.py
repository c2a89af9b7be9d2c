"""`create_app(settings)`: the whole HTTP surface, configured by one settings object.

`worker_app()` is the same app for uvicorn's worker processes (`cxloop serve --workers N`): the parent hands its
settings down in the environment (`WORKER_SETTINGS_ENV`), since a worker process is started from an import string.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from sqlalchemy import Engine

from api import console
from api.audit import AuditMiddleware
from api.errors import install_error_handlers
from api.limits import BodyLimitMiddleware
from api.routes import (
    admin,
    andon,
    assist,
    conversations,
    customers,
    health,
    ingest,
    insights,
    knowledge,
    live,
    quality,
    reports,
    workorders,
)
from api.services import Services
from core import __version__
from core.db import migrate
from core.runtime import Threads
from core.settings import Settings, settings_from_json, settings_to_json

log = logging.getLogger(__name__)
WORKER_SETTINGS_ENV = "_CXLOOP_WORKER_SETTINGS"
WORKER_THREADS_ENV = "_CXLOOP_WORKER_THREADS"  # the parent's `Threads` plan, as JSON


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    run_migrations: bool = True,
    warm: bool = False,
    threads: Threads | None = None,
) -> FastAPI:
    """`warm`: load the assistant (embedder, BM25 snapshot, vector index) before serving, not on the first
    question's clock; `cxloop serve` does, so each worker process loads the index once, at start. `threads`: how
    this process spends its cores (default: `api.query_threads` questions at once)."""
    threads = threads or Threads(queries=settings.api.query_threads or 1)
    services = Services(settings, engine, threads=threads)
    if run_migrations:
        migrate(services.engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:
            await anyio.to_thread.run_sync(assist.warm, services)
        yield
        services.close()

    app = FastAPI(
        title="cxloop",
        version=__version__,
        description="Contact-center insight API. Every route but /healthz needs an API key with a suitable role.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.settings = settings
    app.state.threads = threads
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.api.max_body_bytes,
        upload_limit=settings.api.max_upload_bytes,
        upload_paths=("/v1/ingest/calls",),
    )
    app.add_middleware(AuditMiddleware)  # added last = outermost: refused requests are audited too
    app.include_router(health.router)
    routers = (
        admin, ingest, conversations, customers, assist, live, knowledge, insights, quality, andon, workorders, reports,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    console.install(app)
    return app


def settings_for_workers(settings: Settings) -> str:
    """The settings as JSON for `WORKER_SETTINGS_ENV`, secrets included."""
    return settings_to_json(settings)


def worker_app() -> FastAPI:
    """uvicorn's factory in each worker process; the parent has already run the migrations."""
    data = os.environ.get(WORKER_SETTINGS_ENV)
    settings = settings_from_json(data) if data else Settings()
    plan = os.environ.get(WORKER_THREADS_ENV)
    threads = Threads(**json.loads(plan)) if plan else None
    return create_app(settings, run_migrations=False, warm=True, threads=threads)
