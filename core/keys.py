"""API keys: generated once, shown once, stored only as a hash, each with one role."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import AuthError, InvalidInput, NotFound
from core.settings import ROLES
from core.tables import ApiKeyRow, utcnow

PREFIX = "cxl"


@dataclass(frozen=True)
class IssuedKey:
    id: str
    role: str
    name: str
    secret: str  # the full key; returned once, never stored


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: str
    name: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, *, role: str, name: str) -> IssuedKey:
    if role not in ROLES:
        raise InvalidInput(f"unknown role '{role}'; valid roles: {', '.join(ROLES)}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    session.add(ApiKeyRow(id=key_id, name=name, role=role, secret_hash=_hash(secret)))
    session.flush()
    return IssuedKey(id=key_id, role=role, name=name, secret=f"{PREFIX}_{key_id}_{secret}")


def verify_key(session: Session, presented: str) -> Principal:
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise AuthError("malformed API key")
    _, key_id, secret = parts
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise AuthError("unknown or revoked API key")
    return Principal(key_id=row.id, role=row.role, name=row.name)


def list_keys(session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))


def revoke_key(session: Session, key_id: str, *, at: datetime | None = None) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key with id '{key_id}'")
    row.revoked_at = at or utcnow()
