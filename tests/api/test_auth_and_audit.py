"""401 without a valid key, 403 with the wrong role, one error shape, and an audit row for every request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.services import DeferredWriter
from core.settings import Settings
from core.tables import AuditEventRow
from tests.api.conftest import auth


def _audit(client: TestClient) -> list[AuditEventRow]:
    client.app.state.services.writer.drain()  # type: ignore[attr-defined]  # rows are written off the request
    with client.app.state.services.sessions() as s:  # type: ignore[attr-defined]
        return list(s.scalars(select(AuditEventRow).order_by(AuditEventRow.id)))


def test_healthz_is_public_and_says_nothing_else(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_missing_and_invalid_keys_get_401_in_the_error_shape(client: TestClient) -> None:
    r = client.get("/v1/keys")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert set(r.json()["error"]) == {"code", "message", "detail"}
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/keys", headers=auth("cxl_0000_nope")).status_code == 401
    assert client.get("/v1/keys", headers={"X-API-Key": "garbage"}).status_code == 401


def test_wrong_role_gets_403_and_admin_passes(client: TestClient, keys: dict[str, str]) -> None:
    for role in ("agent", "analyst", "sales_lead"):
        r = client.get("/v1/keys", headers=auth(keys[role]))
        assert r.status_code == 403, role
        assert r.json()["error"]["code"] == "forbidden"
    r = client.get("/v1/keys", headers={"X-API-Key": keys["admin"]})
    assert r.status_code == 200 and {k["role"] for k in r.json()} == {"agent", "analyst", "sales_lead", "qa", "admin"}
    assert all("secret" not in k and "key" not in k for k in r.json())


def test_admin_creates_and_revokes_keys(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post("/v1/keys", headers=auth(keys["admin"]), json={"role": "agent", "name": "desk 7"})
    assert r.status_code == 201
    new = r.json()
    assert client.get("/readyz", headers=auth(new["key"])).status_code in (200, 503)
    assert client.delete(f"/v1/keys/{new['id']}", headers=auth(keys["admin"])).status_code == 204
    assert client.get("/readyz", headers=auth(new["key"])).status_code == 401


def test_validation_errors_are_422_in_the_error_shape(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post("/v1/keys", headers=auth(keys["admin"]), json={"role": "boss", "name": ""})
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "invalid_input"
    assert {tuple(d["loc"]) for d in body["detail"]} == {("body", "role"), ("body", "name")}


def test_unknown_route_is_404_in_the_error_shape(client: TestClient) -> None:
    r = client.get("/v1/nowhere")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_every_request_is_audited_without_the_secret(client: TestClient, keys: dict[str, str]) -> None:
    client.get("/healthz")
    client.get("/v1/keys")
    client.get("/v1/keys", headers=auth(keys["agent"]))
    client.get("/v1/keys", headers=auth(keys["admin"]))
    rows = _audit(client)
    assert [(r.route, r.status, r.role) for r in rows] == [
        ("/healthz", 200, None),
        ("/v1/keys", 401, None),
        ("/v1/keys", 403, "agent"),
        ("/v1/keys", 200, "admin"),
    ]
    assert all(r.duration_ms >= 0 for r in rows)
    dump = " ".join(f"{r.api_key_id} {r.route} {r.client}" for r in rows)
    assert not any(k.split("_", 2)[2] in dump for k in keys.values())
    listed = client.get("/v1/audit", headers=auth(keys["admin"])).json()
    assert listed[0]["route"] == "/v1/audit" or listed[0]["route"] == "/v1/keys"


# ---------------------------------------------------------------- the deferred writer behind the audit trail


def _writer_and_sessions(settings: Settings) -> tuple[DeferredWriter, sessionmaker[Session]]:
    from core.db import engine_for, migrate, session_factory

    engine = engine_for(settings)
    migrate(engine)
    sessions = session_factory(engine)
    return DeferredWriter(sessions), sessions


def _event(route: str) -> Callable[[Session], object]:
    return lambda session: session.add(AuditEventRow(method="GET", route=route, status=200, duration_ms=1.0))


def _routes(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return [r.route for r in s.scalars(select(AuditEventRow).order_by(AuditEventRow.id))]


def test_deferred_writes_are_committed_in_order_and_drain_waits_for_them(settings: Settings) -> None:
    writer, sessions = _writer_and_sessions(settings)
    for i in range(300):
        writer.submit(_event(f"/r{i}"))
    assert writer.drain(timeout=30) and writer.pending == 0
    assert _routes(sessions) == [f"/r{i}" for i in range(300)]
    writer.close()


def test_writes_arriving_together_share_a_commit_and_a_reader_cuts_the_wait_short(settings: Settings) -> None:
    from core.db import engine_for, migrate, session_factory

    engine = engine_for(settings)
    migrate(engine)
    writer = DeferredWriter(session_factory(engine), linger_s=30.0)
    commits: list[int] = []
    real = writer._transaction

    def counted(batch: list[Callable[[Session], object]]) -> None:
        commits.append(len(batch))
        real(batch)

    writer._transaction = counted  # type: ignore[method-assign]
    for i in range(5):
        writer.submit(_event(f"/r{i}"))
    started = time.monotonic()
    assert writer.drain(timeout=20)  # a reader does not wait out the 30 s linger
    assert time.monotonic() - started < 10 and commits == [5]
    writer.close()


def test_one_failing_write_costs_only_itself(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    writer, sessions = _writer_and_sessions(settings)

    def broken(session: Session) -> None:
        raise RuntimeError("boom")

    gate = threading.Event()
    writer.submit(lambda session: gate.wait(10))  # hold the thread, so the next three share one batch
    writer.submit(_event("/before"))
    writer.submit(broken)
    writer.submit(_event("/after"))
    gate.set()
    assert writer.drain(timeout=30)
    assert _routes(sessions) == ["/before", "/after"] and writer.failed == 1
    assert "deferred write failed" in caplog.text
    writer.close()


def test_close_commits_what_is_queued_and_later_writes_run_inline(settings: Settings) -> None:
    writer, sessions = _writer_and_sessions(settings)
    gate = threading.Event()
    writer.submit(lambda session: gate.wait(10))
    for i in range(5):
        writer.submit(_event(f"/q{i}"))
    threading.Timer(0.2, gate.set).start()
    writer.close()
    assert _routes(sessions) == [f"/q{i}" for i in range(5)]
    writer.submit(_event("/late"))
    assert _routes(sessions)[-1] == "/late"


def test_shutting_the_app_down_loses_no_audit_row(app_settings: Settings) -> None:
    from api import create_app

    app = create_app(app_settings)
    with TestClient(app) as c:
        for _ in range(20):
            c.get("/healthz")  # on the fast path: nothing drains before it
    with app.state.services.sessions() as s:
        assert len(list(s.scalars(select(AuditEventRow)))) == 20


def test_reads_after_deferred_writes_see_them(client: TestClient, keys: dict[str, str]) -> None:
    for _ in range(10):
        client.get("/healthz")
    listed = client.get("/v1/audit", params={"limit": 50}, headers=auth(keys["admin"])).json()
    assert sum(1 for row in listed if row["route"] == "/healthz") == 10
