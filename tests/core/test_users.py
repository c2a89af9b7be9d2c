"""User accounts and browser sessions on SQLite and PostgreSQL: argon2id hashes, one refusal for every failure,
lock-out, expiry (absolute and idle), and what ends a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import session_factory, transaction
from core.errors import AuthError, Conflict, InvalidInput
from core.settings import ConsoleSettings
from core.tables import UserRow
from core.users import LOCK_AFTER, authenticate, create_user, set_password, update_user
from core.web_sessions import end, resume, start

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONSOLE = ConsoleSettings(session_hours=8, idle_minutes=30)


@pytest.fixture
def any_sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def test_passwords_are_argon2id_hashes_and_names_are_case_free(any_sessions: sessionmaker[Session]) -> None:
    with transaction(any_sessions) as s:
        user = create_user(s, "Li.Wei", "correct horse 1", role="analyst", display_name="李伟", language="zh")
    assert user.username == "li.wei"
    with transaction(any_sessions) as s:
        row = s.get(UserRow, "li.wei")
        assert row is not None and row.password_hash.startswith("$argon2id$") and "correct" not in row.password_hash
        assert authenticate(s, "LI.WEI", "correct horse 1").display_name == "李伟"
    with transaction(any_sessions) as s, pytest.raises(Conflict):
        create_user(s, "li.wei", "another pass 1", role="agent")
    for bad in ({"role": "boss"}, {"role": "agent", "language": "fr"}):
        with transaction(any_sessions) as s, pytest.raises(InvalidInput):
            create_user(s, "x.y", "long enough 1", **bad)
    with transaction(any_sessions) as s, pytest.raises(InvalidInput, match="username"):
        create_user(s, "bad name!", "long enough 1", role="agent")


def test_one_refusal_for_every_failure_and_a_lock_after_ten(any_sessions: sessionmaker[Session]) -> None:
    with transaction(any_sessions) as s:
        create_user(s, "zhang", "zhang-pass-2026", role="agent")
    messages = set()
    for name, password in (("nobody", "whatever-1"), ("zhang", "wrong-pass-1")):
        with any_sessions() as s, pytest.raises(AuthError) as refused:
            authenticate(s, name, password)
        messages.add(refused.value.message)
    assert len(messages) == 1  # nobody learns which usernames exist
    for _ in range(LOCK_AFTER):
        with any_sessions() as s:
            with pytest.raises(AuthError):
                authenticate(s, "zhang", "wrong-pass-1")
            s.commit()
    with any_sessions() as s, pytest.raises(AuthError):
        authenticate(s, "zhang", "zhang-pass-2026")  # locked
    with transaction(any_sessions) as s:
        set_password(s, "zhang", "zhang-new-2026")  # an admin's reset unlocks
    with any_sessions() as s:
        assert authenticate(s, "zhang", "zhang-new-2026").username == "zhang"


def test_sessions_expire_and_end(any_sessions: sessionmaker[Session]) -> None:
    with transaction(any_sessions) as s:
        create_user(s, "qa.one", "qa-one-pass-1", role="qa")
        started = start(s, "qa.one", CONSOLE, now=T0)
    with transaction(any_sessions) as s:
        visit = resume(s, started.token, CONSOLE, now=T0 + timedelta(minutes=20))
        assert visit is not None and visit.user.role == "qa" and visit.csrf == started.csrf
    with transaction(any_sessions) as s:  # touched at 20 min: still alive at 45
        assert resume(s, started.token, CONSOLE, now=T0 + timedelta(minutes=45)) is not None
    with transaction(any_sessions) as s:  # idle for 31 minutes
        assert resume(s, started.token, CONSOLE, now=T0 + timedelta(minutes=76)) is None
    with transaction(any_sessions) as s:  # and ended for good
        assert resume(s, started.token, CONSOLE, now=T0 + timedelta(minutes=77)) is None

    with transaction(any_sessions) as s:
        busy = start(s, "qa.one", CONSOLE, now=T0)
    for minutes in range(25, 8 * 60, 25):  # busy all day: the absolute limit still ends it
        with transaction(any_sessions) as s:
            assert resume(s, busy.token, CONSOLE, now=T0 + timedelta(minutes=minutes)) is not None
    with transaction(any_sessions) as s:
        assert resume(s, busy.token, CONSOLE, now=T0 + timedelta(hours=8, minutes=1)) is None

    now = datetime.now(UTC)
    with transaction(any_sessions) as s:
        one, two, three = (start(s, "qa.one", CONSOLE, now=now) for _ in range(3))
        end(s, one.token)
        assert resume(s, one.token, CONSOLE) is None
        update_user(s, "qa.one", role="analyst")  # a new role: signed in again
        assert resume(s, two.token, CONSOLE) is None
        assert resume(s, "not-a-token", CONSOLE) is None
    with transaction(any_sessions) as s:
        four = start(s, "qa.one", CONSOLE)
        update_user(s, "qa.one", disabled=True)
        assert resume(s, four.token, CONSOLE) is None and three
