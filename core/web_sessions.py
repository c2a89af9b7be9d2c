"""Browser sessions of signed-in users: a random token in the cookie, its sha256 and a CSRF token in the database.

A session ends at sign-out, `session_hours` after sign-in, after `idle_minutes` without a request, or when the
user is disabled, changes role or gets a new password (`core.users.end_sessions`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.settings import ConsoleSettings
from core.tables import UserRow, WebSessionRow, as_utc, utcnow
from core.users import User, user_of

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request


@dataclass(frozen=True)
class Started:
    token: str  # for the cookie; only its hash is stored
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class Visit:
    """A request's signed-in user and the session's CSRF token."""

    user: User
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, username: str, settings: ConsoleSettings, *, now: datetime | None = None) -> Started:
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_hours)
    session.add(
        WebSessionRow(
            token_hash=_hash(token), username=username, csrf=csrf, created_at=now, expires_at=expires, last_seen_at=now
        )
    )
    session.flush()
    return Started(token=token, csrf=csrf, expires_at=expires)


def resume(session: Session, token: str, settings: ConsoleSettings, *, now: datetime | None = None) -> Visit | None:
    """The visit the cookie's token belongs to, or None when it is unknown, ended, expired, idle too long, or its
    user is disabled."""
    now = now or utcnow()
    row = session.get(WebSessionRow, _hash(token))
    if row is None or row.ended_at is not None:
        return None
    idle_until = as_utc(row.last_seen_at) + timedelta(minutes=settings.idle_minutes)
    if now >= as_utc(row.expires_at) or now >= idle_until:
        row.ended_at = now
        return None
    user = session.get(UserRow, row.username)
    if user is None or user.disabled_at is not None:
        return None
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return Visit(user=user_of(user), csrf=row.csrf)


def end(session: Session, token: str, *, now: datetime | None = None) -> None:
    row = session.get(WebSessionRow, _hash(token))
    if row is not None and row.ended_at is None:
        row.ended_at = now or utcnow()
