"""The demo's console users: one per role, passwords kept (0600) and reused, reset when the database was reset."""

from __future__ import annotations

import json

from core.db import engine_for, migrate, session_factory
from core.settings import Settings
from core.users import authenticate
from flows.demo import demo_users


def test_demo_users_are_made_once_and_sign_in(settings: Settings) -> None:
    migrate(engine_for(settings))
    first = demo_users.fn(settings)
    assert set(first) == {"agent", "analyst", "qa", "sales_lead", "admin"}
    path = settings.data_dir / "demo-users.json"
    assert path.stat().st_mode & 0o777 == 0o600 and json.loads(path.read_text()) == first
    assert demo_users.fn(settings) == first  # a re-run keeps them
    stale = {role: {**user, "password": "not-the-password"} for role, user in first.items()}
    path.write_text(json.dumps(stale))  # e.g. the file survived a database reset: the passwords are set again
    again = demo_users.fn(settings)
    with session_factory(engine_for(settings))() as session:
        for role, user in again.items():
            assert authenticate(session, user["username"], user["password"]).role == role
