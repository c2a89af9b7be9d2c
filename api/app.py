"""`create_app(settings)`: the whole HTTP surface, configured by one settings object."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api.audit import AuditMiddleware
from api.errors import install_error_handlers
from api.limits import BodyLimitMiddleware
from api.routes import admin, andon, assist, conversations, health, ingest, insights, knowledge, reports
from api.services import Services
from core import __version__
from core.db import migrate
from core.settings import Settings


def create_app(settings: Settings, *, engine: Engine | None = None, run_migrations: bool = True) -> FastAPI:
    services = Services(settings, engine)
    if run_migrations:
        migrate(services.engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
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
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.api.max_body_bytes,
        upload_limit=settings.api.max_upload_bytes,
        upload_paths=("/v1/ingest/calls",),
    )
    app.add_middleware(AuditMiddleware)  # added last = outermost: refused requests are audited too
    app.include_router(health.router)
    for module in (admin, ingest, conversations, assist, knowledge, insights, andon, reports):
        app.include_router(module.router)
    return app
