"""Key management and the audit trail (role admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.auth import DbSession, require_role
from core import keys
from core.keys import Principal
from core.settings import Role
from core.tables import AuditEventRow

router = APIRouter(prefix="/v1", tags=["admin"])
admin_only = require_role("admin")
AdminOnlyKey = Annotated[Principal, Depends(admin_only)]


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


class KeyIn(BaseModel):
    role: Role
    name: str = Field(min_length=1, max_length=128)


class IssuedKeyOut(BaseModel):
    id: str
    role: str
    name: str
    key: str = Field(description="Shown once; only its hash is stored.")


class AuditOut(BaseModel):
    at: datetime
    api_key_id: str | None
    user: str | None = None  # a console sign-in
    role: str | None
    method: str
    route: str
    status: int
    duration_ms: float


@router.get("/keys", response_model=list[KeyOut])
def list_keys(session: DbSession, _: AdminOnlyKey) -> list[KeyOut]:
    return [KeyOut.model_validate(row, from_attributes=True) for row in keys.list_keys(session)]


@router.post("/keys", response_model=IssuedKeyOut, status_code=201)
def create_key(body: KeyIn, session: DbSession, _: AdminOnlyKey) -> IssuedKeyOut:
    issued = keys.create_key(session, role=body.role, name=body.name)
    return IssuedKeyOut(id=issued.id, role=issued.role, name=issued.name, key=issued.secret)


@router.delete("/keys/{key_id}", status_code=204)
def revoke_key(key_id: str, session: DbSession, _: AdminOnlyKey) -> None:
    keys.revoke_key(session, key_id)


@router.get("/audit", response_model=list[AuditOut])
def audit(
    *,
    limit: int = Query(100, ge=1, le=1000),
    session: DbSession,
    _: AdminOnlyKey,
) -> list[AuditOut]:
    rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit))
    return [AuditOut.model_validate(r, from_attributes=True) for r in rows]
