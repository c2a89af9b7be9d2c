"""Liveness (public, says nothing) and readiness (needs a key: it reports each dependency)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import AnyRole, Svc
from core.health import check_all

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(svc: Svc, _: AnyRole) -> JSONResponse:
    checks = check_all(svc.settings, engine=svc.engine, vectors=svc.vectors, embedder=svc.embedder)
    ready = all(c["ok"] for c in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not_ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)
