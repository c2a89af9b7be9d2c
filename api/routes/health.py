"""Liveness (public, says nothing) and readiness (needs a key: it reports each dependency)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.auth import any_role, services
from api.services import Services
from core.health import check_all
from core.keys import Principal

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(svc: Services = Depends(services), _: Principal = Depends(any_role)) -> JSONResponse:
    checks = check_all(svc.settings, engine=svc.engine, vectors=svc.vectors, embedder=svc.embedder)
    ready = all(c["ok"] for c in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not_ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)
