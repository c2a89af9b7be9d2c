"""User accounts for the console: a username, a role, a language, a password stored only as an argon2id hash.

Machines keep API keys (`core/keys.py`); people sign in with these. Usernames are case-insensitive (kept lower
case). A disabled account cannot sign in, and disabling it or changing its password ends its sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import AuthError, Conflict, InvalidInput, NotFound
from core.settings import ROLES
from core.tables import UserRow, WebSessionRow, utcnow

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
MIN_PASSWORD = 10
LOCK_AFTER = 10  # failed sign-ins in a row; an admin's password reset unlocks
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    language: Language
    agent_id: str | None
    team: str | None
    disabled: bool


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended parameters


def user_of(row: UserRow) -> User:
    language: Language = "en" if row.language == "en" else "zh"
    return User(
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        language=language,
        agent_id=row.agent_id,
        team=row.team,
        disabled=row.disabled_at is not None,
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")


def _check(role: str, language: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"unknown role '{role}'; valid roles: {', '.join(ROLES)}")
    if language not in LANGUAGES:
        raise InvalidInput(f"unknown language '{language}'; valid: {', '.join(LANGUAGES)}")


def normal(username: str) -> str:
    return username.strip().lower()


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    role: str,
    display_name: str | None = None,
    language: str = "zh",
    agent_id: str | None = None,
    team: str | None = None,
) -> User:
    name = normal(username)
    if not USERNAME.match(name):
        raise InvalidInput("a username is 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    _check(role, language)
    _check_password(password)
    if session.get(UserRow, name) is not None:
        raise Conflict(f"user '{name}' exists already")
    row = UserRow(
        username=name,
        display_name=(display_name or name).strip()[:128] or name,
        role=role,
        password_hash=_hasher().hash(password),
        language=language,
        agent_id=agent_id or None,
        team=team or None,
        failed_sign_ins=0,
    )
    session.add(row)
    session.flush()
    return user_of(row)


def _row(session: Session, username: str) -> UserRow:
    row = session.get(UserRow, normal(username))
    if row is None:
        raise NotFound(f"no user '{normal(username)}'")
    return row


def get_user(session: Session, username: str) -> User:
    return user_of(_row(session, username))


def list_users(session: Session) -> list[User]:
    return [user_of(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


def authenticate(session: Session, username: str, password: str, *, now: datetime | None = None) -> User:
    """The user, when the password is right and the account is enabled; one message for every refusal, so a
    visitor cannot tell which usernames exist."""
    refused = AuthError("wrong username or password, or the account is disabled")
    row = session.get(UserRow, normal(username))
    if row is None:
        _hasher().hash(password)  # the same work as a real check, so timing does not tell either
        raise refused
    from argon2.exceptions import VerificationError

    if row.disabled_at is not None or row.failed_sign_ins >= LOCK_AFTER:
        raise refused
    try:
        _hasher().verify(row.password_hash, password)
    except VerificationError:
        row.failed_sign_ins += 1
        raise refused from None
    if _hasher().check_needs_rehash(row.password_hash):
        row.password_hash = _hasher().hash(password)
    row.failed_sign_ins = 0
    row.last_sign_in_at = now or utcnow()
    return user_of(row)


def end_sessions(session: Session, username: str, *, now: datetime | None = None) -> None:
    session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.username == normal(username), WebSessionRow.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )


def set_password(session: Session, username: str, password: str) -> User:
    """A new password (an admin's reset, or the user's own); unlocks the account and ends its sessions."""
    _check_password(password)
    row = _row(session, username)
    row.password_hash = _hasher().hash(password)
    row.failed_sign_ins = 0
    end_sessions(session, row.username)
    return user_of(row)


def update_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
    agent_id: str | None = None,
    team: str | None = None,
    disabled: bool | None = None,
) -> User:
    """Change what is given; a role change or disabling ends the user's sessions (they sign in again)."""
    row = _row(session, username)
    _check(role or row.role, language or row.language)
    if (role and role != row.role) or (disabled and row.disabled_at is None):
        end_sessions(session, row.username)
    row.role = role or row.role
    row.language = language or row.language
    if display_name is not None:
        row.display_name = display_name.strip()[:128] or row.username
    if agent_id is not None:
        row.agent_id = agent_id.strip() or None
    if team is not None:
        row.team = team.strip() or None
    if disabled is not None:
        row.disabled_at = (row.disabled_at or utcnow()) if disabled else None
    return user_of(row)
