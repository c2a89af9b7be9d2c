import pytest
from sqlalchemy import Engine, select

from core.db import session_factory, transaction
from core.errors import AuthError, InvalidInput
from core.keys import create_key, list_keys, revoke_key, verify_key
from core.tables import ApiKeyRow


def test_keys_are_stored_hashed_and_verify(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        issued = create_key(s, role="analyst", name="morning report")
    with sessions() as s:
        row = s.scalars(select(ApiKeyRow)).one()
        assert issued.secret.split("_", 2)[2] not in row.secret_hash
        who = verify_key(s, issued.secret)
        assert (who.role, who.name) == ("analyst", "morning report")
        assert [k.id for k in list_keys(s)] == [issued.id]


def test_wrong_malformed_and_revoked_keys_fail(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        issued = create_key(s, role="agent", name="a")
    with sessions() as s:
        with pytest.raises(AuthError):
            verify_key(s, issued.secret[:-2] + "xx")
        with pytest.raises(AuthError):
            verify_key(s, "not-a-key")
    with transaction(sessions) as s:
        revoke_key(s, issued.id)
    with sessions() as s, pytest.raises(AuthError, match="revoked"):
        verify_key(s, issued.secret)


def test_unknown_role_lists_valid_roles(engine: Engine) -> None:
    with session_factory(engine)() as s, pytest.raises(InvalidInput, match="agent, analyst, sales_lead, qa, admin"):
        create_key(s, role="boss", name="x")
